"""The check-in mail: one question, eleven coloured buttons, in the person's language.

A round renders thousands of these mails, which differ only by the greeting's name and
the two tokens. `Renderer` therefore renders each variant (language, reminder or not,
with or without a name) once, with placeholders, and fills them in for each person;
the result is exactly what rendering each mail on its own would give.
"""

import json
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from ambassador.checkins.tokens import VALID, answer_token
from ambassador.i18n import supported
from ambassador.mail.services import render_mail
from ambassador.mail.unsubscribe import list_headers, unsubscribe_token
from ambassador.urls import absolute_url

# Red for 0-6, yellow for 7-8, green for 9-10: (background, text) that read well on each.
COLOURS = {"detractor": ("#d93025", "#ffffff"), "passive": ("#f9ab00", "#1d2433"),
           "promoter": ("#188038", "#ffffff")}
NAME, TOKEN, UNSUBSCRIBE = "@@NAME@@", "@@TOKEN@@", "@@UNSUBSCRIBE@@"


def segment_of(score: int) -> str:
    """promoter 9-10, passive 7-8, detractor 0-6 (the colours of the buttons)."""
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def language_of(person) -> str:
    """The language of a person's mail: their account's choice, else their customer's."""
    return (supported(getattr(person, "user_language", None))
            or supported(getattr(person, "language", None)) or "en")


def first_name(person) -> str:
    """The first word of the account's name, else of the customer's, else nothing."""
    words = ((getattr(person, "user_name", None) or getattr(person, "name", None)) or "").split()
    return words[0] if words else ""


def _prefix(endpoint: str, **values) -> str:
    """The absolute address of `endpoint` up to its token (`values` hold token="T")."""
    url = absolute_url(endpoint, **values)
    return url[:url.index("/T", len(current_app.config["BASE_URL"]))] + "/"


class Renderer:
    """Renders the check-ins of one round: each variant once, then per person in microseconds."""

    def __init__(self):
        self.company = current_app.config["COMPANY_NAME"]
        # "T" only marks where each person's token goes in the address.
        self.answer_prefix = _prefix("checkins.answer", token="T", score=0)  # nosec B106
        self.unsubscribe_prefix = _prefix("unsubscribe.page", token="T")  # nosec B106
        self._variants: dict[tuple, dict] = {}

    def _variant(self, language: str, reminder: bool, named: bool) -> dict:
        key = (language, reminder, named)
        if key not in self._variants:
            if reminder and self.company:
                subject = _l("Reminder: one click to tell %(company)s how we are doing",
                             company=self.company)
            elif reminder:
                subject = _l("Reminder: one click to tell us how we are doing")
            elif self.company:
                subject = _l("A quick question from %(company)s", company=self.company)
            else:
                subject = _l("A quick question for you: one click is all it takes")
            links = [{"score": score, "link": f"{self.answer_prefix}{TOKEN}/{score}",
                      "background": COLOURS[segment_of(score)][0],
                      "colour": COLOURS[segment_of(score)][1]} for score in range(11)]
            row = render_mail("placeholder@example.com", "checkin", subject, locale=language,
                              name=NAME if named else "", company=self.company,
                              reminder=reminder, links=links, days=VALID.days,
                              unsubscribe_link=UNSUBSCRIBE)
            self._variants[key] = row
        return self._variants[key]

    def render(self, person, checkin_id: int, now: datetime, reminder: bool) -> dict:
        """The outbox row of one check-in (or its reminder) to `person`."""
        language, name = language_of(person), first_name(person)
        row = self._variant(language, reminder, bool(name))
        token = answer_token(checkin_id, now)
        unsubscribe = self.unsubscribe_prefix + unsubscribe_token(person.email, language)

        def fill(body: str, name_as: str) -> str:
            body = body.replace(TOKEN, token).replace(UNSUBSCRIBE, unsubscribe)
            return body.replace(NAME, name_as) if name else body

        return {**row, "to_addr": person.email.strip(),
                "body_text": fill(row["body_text"], name),
                "body_html": fill(row["body_html"], str(escape(name))),
                "headers": json.dumps(list_headers(unsubscribe))}


def render_checkin(person, checkin_id: int, now: datetime, reminder: bool,
                   renderer: Renderer | None = None) -> dict:
    """The outbox row of one check-in (or its reminder) to `person` (email, name, language)."""
    return (renderer or Renderer()).render(person, checkin_id, now, reminder)
