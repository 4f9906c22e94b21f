"""The weekly digest for marketers who opt in: the NPS, new detractors, open tasks, candidates.

`send_digests` (the `checkins digest` command, or the weekly job on Monday morning)
computes the figures once and writes one mail per subscribed marketer through the
outbox, in each one's language. Each person is claimed with one conditional UPDATE
whose row count decides, so two runs at once never mail anyone twice, and a run within
six days of the last one sends them nothing. The digest is non-transactional: it asks the
contact budget first (what it holds back waits for the next run) and carries the
one-click unsubscribe link and headers.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from ambassador.auth.models import STAFF_ROLES, User
from ambassador.checkins.followup_models import DigestSubscription, FollowUp
from ambassador.extensions import db
from ambassador.i18n import in_language, recipient_language
from ambassador.mail.budget import claim_contact, may_contact
from ambassador.mail.unsubscribe import queue_bulk_mail
from ambassador.nps import scores
from ambassador.nps.models import Customer, Response
from ambassador.nps.rules import previous_quarters, quarter_of
from ambassador.sanitize import plain_text
from ambassador.urls import absolute_url
from ambassador.utils import utcnow

WEEK = timedelta(days=7)
INTERVAL = timedelta(days=6)  # a weekly run that starts a little early still sends
LISTED = 5
DIGEST_REASON = _l("You receive this mail because you turned on the weekly follow-up digest.")
SUBJECT = _l("Your weekly NPS digest")


@dataclass
class DigestFigures:
    """What every digest of one run shows (the same for every reader)."""

    quarter: str
    previous_quarter: str
    score: object
    previous: object
    change: object
    detractors: int = 0
    detractor_lines: list = field(default_factory=list)
    open_tasks: int = 0
    unassigned: int = 0
    candidates: int = 0
    candidate_lines: list = field(default_factory=list)


def is_subscribed(user) -> bool:
    """Whether this marketer gets the weekly digest."""
    return db.session.get(DigestSubscription, user.id) is not None


def set_subscribed(user, wanted: bool) -> None:
    """Opt in to or out of the digest (flush, no commit)."""
    row = db.session.get(DigestSubscription, user.id)
    if wanted and row is None:
        db.session.add(DigestSubscription(user_id=user.id))
    elif not wanted and row is not None:
        db.session.delete(row)
    db.session.flush()


def figures(now) -> DigestFigures:
    """The digest's figures for the week before `now`."""
    from ambassador.testimonials.requests import candidates_query

    quarter = quarter_of(now)
    previous_quarter = previous_quarters(quarter, 2)[0]
    score = scores.quarter_score(quarter)
    previous = scores.quarter_score(previous_quarter)
    since = now - WEEK
    result = DigestFigures(quarter=quarter, previous_quarter=previous_quarter, score=score,
                           previous=previous, change=scores.change_between(score, previous))
    week = (Response.responded_at > since, Response.responded_at <= now, Response.score <= 6)
    result.detractors = db.session.scalar(
        select(func.count(func.distinct(Response.customer_id))).where(*week))
    rows = db.session.execute(
        select(Response, Customer).join(Customer, Customer.id == Response.customer_id)
        .where(*week).order_by(Response.responded_at.desc()).limit(LISTED)).all()
    result.detractor_lines = [{"name": c.display_name, "company": c.company or "",
                               "score": r.score,
                               "comment": plain_text(r.comment or "", 160)} for r, c in rows]
    result.open_tasks = db.session.scalar(
        select(func.count()).where(FollowUp.open_customer_id.is_not(None)))
    result.unassigned = db.session.scalar(
        select(func.count()).where(FollowUp.open_customer_id.is_not(None),
                                   FollowUp.owner_id.is_(None)))
    recent = candidates_query().where(Response.responded_at > since)
    result.candidates = db.session.scalar(select(func.count()).select_from(recent.subquery()))
    result.candidate_lines = [{"name": c.display_name, "company": c.company or "",
                               "score": r.score, "comment": plain_text(r.comment, 160)}
                              for r, c in db.session.execute(recent.limit(LISTED)).all()]
    return result


def due_user_ids(now) -> list[int]:
    """Subscribed staff who can log in and got no digest in the last six days."""
    return list(db.session.scalars(
        select(DigestSubscription.user_id).join(User, User.id == DigestSubscription.user_id)
        .where(User.disabled.is_(False), User.role.in_(STAFF_ROLES),
               or_(DigestSubscription.last_sent_at.is_(None),
                   DigestSubscription.last_sent_at <= now - INTERVAL))
        .order_by(DigestSubscription.user_id)))


def _claim(user_id: int, now) -> bool:
    claimed = db.session.execute(
        update(DigestSubscription)
        .where(DigestSubscription.user_id == user_id,
               or_(DigestSubscription.last_sent_at.is_(None),
                   DigestSubscription.last_sent_at <= now - INTERVAL))
        .values(last_sent_at=now))
    return claimed.rowcount == 1


def send_digests(now=None) -> int:
    """Queue every due digest (flush, no commit); return how many mails were queued."""
    now = now or utcnow()
    due = due_user_ids(now)
    if not due:
        return 0
    data = figures(now)
    sent = 0
    for user_id in due:
        user = db.session.get(User, user_id)
        previous = db.session.scalar(select(DigestSubscription.last_sent_at)
                                     .where(DigestSubscription.user_id == user_id))
        if user is None or not may_contact(user.email, now) or not _claim(user_id, now):
            continue  # the contact budget holds it back: it waits for the next run
        if not claim_contact(user.email, "loop_digest", now):
            db.session.execute(update(DigestSubscription)
                               .where(DigestSubscription.user_id == user_id)
                               .values(last_sent_at=previous))
            continue
        with in_language(recipient_language(user)) as lang:
            queue_bulk_mail(user.email, "loop_digest", SUBJECT, locale=lang,
                       name=user.display_name, data=data, unsubscribe_reason=DIGEST_REASON,
                       tasks_link=absolute_url("followups.index"),
                       dashboard_link=absolute_url("nps.dashboard"),
                       candidates_link=absolute_url("testimonials_admin.candidates"),
                       settings_link=absolute_url("followups.digest_settings"))
        sent += 1
    return sent
