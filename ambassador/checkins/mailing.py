"""The check-in mail: one question, eleven coloured buttons, in the person's language."""

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from ambassador.checkins.tokens import VALID, answer_token
from ambassador.i18n import supported
from ambassador.mail.unsubscribe import render_bulk_mail
from ambassador.urls import absolute_url

# Red for 0-6, yellow for 7-8, green for 9-10: (background, text) that read well on each.
COLOURS = {"detractor": ("#d93025", "#ffffff"), "passive": ("#f9ab00", "#1d2433"),
           "promoter": ("#188038", "#ffffff")}


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


def answer_links(checkin_id: int, issued: datetime) -> list[dict]:
    """The eleven buttons: score, link, colours."""
    token = answer_token(checkin_id, issued)
    base = absolute_url("checkins.answer", token=token, score=0)[:-2]
    return [{"score": score, "link": f"{base}/{score}",
             "background": COLOURS[segment_of(score)][0],
             "colour": COLOURS[segment_of(score)][1]} for score in range(11)]


def render_checkin(person, checkin_id: int, now: datetime, reminder: bool) -> dict:
    """The outbox row of one check-in (or its reminder) to `person` (email, name, language)."""
    company = current_app.config["COMPANY_NAME"]
    if reminder:
        subject = _l("Reminder: one click to tell %(company)s how we are doing",
                     company=company)
    else:
        subject = _l("A quick question from %(company)s", company=company)
    return render_bulk_mail(person.email, "checkin", subject, locale=language_of(person),
                            name=first_name(person), company=company, reminder=reminder,
                            links=answer_links(checkin_id, now), days=VALID.days)
