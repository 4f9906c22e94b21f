"""Answering a check-in: reading its link, recording the score as an NPS response.

The answer is a response with source `checkin`, recorded through `nps.services`, so the
dashboard, `nps score`, the person's status and every subscriber of `responses_recorded`
(the verified-promoter rule, follow-up tasks) see it at once. Choosing another score
from the same mail while its links are valid replaces the answer (the same response,
amended), so one check-in is always one response.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from ambassador.auth.models import User
from ambassador.checkins.models import CheckIn
from ambassador.checkins.tokens import expires_at, read_answer_token
from ambassador.constants import MAX_COMMENT, MAX_SCORE, MIN_SCORE
from ambassador.extensions import db
from ambassador.i18n import recipient_language
from ambassador.nps import services as nps
from ambassador.text import text_problem
from ambassador.utils import NotFound, ServiceError, utcnow


class LinkExpired(ServiceError):
    """The check-in's links are older than 30 days."""

    status_code = 410


@dataclass
class Link:
    """A genuine, unexpired check-in link: its check-in and when it stops working."""

    checkin: CheckIn
    expires_at: datetime


def find_checkin(token: str) -> CheckIn | None:
    """The check-in a genuine token names (expired or not), else None. Reads only."""
    found = read_answer_token(token)
    return db.session.get(CheckIn, found[0]) if found else None


def person_language(customer) -> str:
    """The language of this person's pages: their account's choice, else their customer's."""
    user = db.session.scalar(select(User).where(User.customer_id == customer.id))
    return recipient_language(user, customer)


def open_link(token: str, now: datetime | None = None) -> Link:
    """The check-in behind a link; NotFound for a forged or unknown one, LinkExpired after
    30 days. Reads only: opening a link (as mail scanners do) changes nothing."""
    now = now or utcnow()
    found = read_answer_token(token)
    checkin = db.session.get(CheckIn, found[0]) if found else None
    if checkin is None:
        raise NotFound(_("This link is not valid. Copy the whole address from the mail, or "
                         "simply wait for our next check-in."))
    ends = expires_at(found[1])
    if ends <= now:
        raise LinkExpired(_("This check-in has closed: its links work for 30 days. Thank you "
                            "all the same, we will ask again next quarter."))
    return Link(checkin, ends)


def check_score(score) -> int:
    """A score from a URL: an integer 0-10, else NotFound."""
    if not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise NotFound(_("Scores go from 0 to 10."))
    return score


def clean_comment(value: str | None) -> str | None:
    """The comment as stored: trimmed, at most MAX_COMMENT characters, no control characters."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if text_problem(text, multiline=True):
        raise ServiceError(_("Your comment contains invisible control characters."))
    if len(text) > MAX_COMMENT:
        raise ServiceError(_("A comment has at most %(n)d characters (%(got)d given).",
                             n=MAX_COMMENT, got=len(text)))
    return text or None


def record_answer(link: Link, score: int, comment: str | None,
                  now: datetime | None = None) -> CheckIn:
    """Record (or replace) the answer of a check-in as its NPS response. Flushes only."""
    now = now or utcnow()
    score = check_score(score)
    comment = clean_comment(comment)
    checkin = link.checkin
    table = CheckIn.__table__
    first = db.session.execute(
        update(table).where(table.c.id == checkin.id, table.c.answered_at.is_(None))
        .values(answered_at=now, score=score, comment=comment)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(checkin)
    customer = checkin.customer
    if first:
        response = nps.record_response({
            "email": customer.email, "score": score, "comment": comment, "responded_at": now,
            "external_id": f"checkin:{checkin.id}", "touchpoint": "relational",
            "language": customer.language}, "checkin")
        checkin.response_id = response.id if response is not None else None
    elif checkin.response_id is not None:
        if checkin.score != score or (checkin.comment or None) != comment:
            nps.amend_response(checkin.response_id, score, comment, "checkin")
        checkin = db.session.get(CheckIn, link.checkin.id)
        checkin.score, checkin.comment, checkin.answered_at = score, comment, now
    db.session.flush()
    return checkin
