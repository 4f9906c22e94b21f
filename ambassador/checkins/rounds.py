"""The marketers' view of check-ins: one round per quarter, sent, answered, response rate."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ambassador.checkins import services
from ambassador.checkins.landing import whats_new
from ambassador.checkins.models import CheckIn
from ambassador.extensions import db
from ambassador.nps.rules import quarter_of
from ambassador.utils import utcnow


@dataclass
class Round:
    """One quarter's check-ins."""

    quarter: str
    sent: int
    reminded: int
    answered: int
    promoters: int
    passives: int
    detractors: int

    @property
    def rate(self) -> float | None:
        """Answered / sent, in percent (None before anything was sent)."""
        return 100.0 * self.answered / self.sent if self.sent else None


@dataclass
class Overview:
    """The current quarter's upcoming work and every past round, newest first."""

    quarter: str
    due_now: int
    reminders_due: int
    due_later: int
    rounds: list[Round]


def quarter_end(moment: datetime) -> datetime:
    """The first instant of the quarter after `moment`'s."""
    first_month = 3 * ((moment.month - 1) // 3) + 1
    year, month = (moment.year + 1, 1) if first_month == 10 else (moment.year, first_month + 3)
    return datetime(year, month, 1, tzinfo=UTC)


def past_rounds() -> list[Round]:
    """Every quarter that had check-ins, with its figures (one grouped query)."""
    ci = CheckIn.__table__
    rows = db.session.execute(
        select(ci.c.quarter, func.count(), func.count(ci.c.reminded_at),
               func.count(ci.c.answered_at), func.count().filter(ci.c.score >= 9),
               func.count().filter(ci.c.score.between(7, 8)),
               func.count().filter(ci.c.score <= 6))
        .group_by(ci.c.quarter).order_by(ci.c.quarter.desc())).all()
    return [Round(*row) for row in rows]


def overview(now: datetime | None = None) -> Overview:
    """What is due now, what becomes due before the quarter ends, and the past rounds."""
    now = now or utcnow()
    due_now = services.count_due(now)
    by_end = services.count_due(quarter_end(now) - timedelta(microseconds=1))
    return Overview(quarter=quarter_of(now), due_now=due_now,
                    reminders_due=services.count_reminders_due(now),
                    due_later=max(by_end - due_now, 0), rounds=past_rounds())


def company_name() -> str:
    """The company the check-in asks about (COMPANY_NAME)."""
    return current_app.config["COMPANY_NAME"]


def news_for(segment: str) -> list[dict]:
    """What is new in the portal, shown to promoters on their thanks page."""
    return whats_new() if segment == "promoter" else []
