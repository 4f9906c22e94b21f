"""NPS figures for the dashboard, the accounts page and `nps score`.

Scores come from quarter_scores (each person's latest answer per quarter, kept by
services.record_responses), its per-score counts quarter_tallies (kept by database
triggers) and customers.latest_score (each person's latest answer overall), so no
figure ever scans the responses table. Only the latest comments read responses,
through the responded_at and customer/time indexes.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select, text

from ambassador.constants import TOUCHPOINTS
from ambassador.extensions import db
from ambassador.nps.models import Customer, QuarterScore, QuarterTally, Response
from ambassador.nps.rules import (
    Score,
    parse_quarter,
    previous_quarters,
    quarter_bounds,
    quarter_of,
    segment,
)
from ambassador.utils import utcnow

SEGMENTS = ("promoter", "passive", "detractor")
TREND_QUARTERS = 8


@dataclass(frozen=True)
class Filters:
    """What a marketer looks at: one quarter, optionally one company and one touchpoint."""

    quarter: str
    company: str | None = None
    touchpoint: str | None = None


@dataclass(frozen=True)
class AccountScore:
    """The NPS of one company from its people's latest answers."""

    company: str
    score: Score


@dataclass(frozen=True)
class Comment:
    """One recent comment with who wrote it and the score they gave."""

    id: int
    score: int
    comment: str
    responded_at: datetime
    touchpoint: str | None
    name: str | None
    email: str
    company: str | None

    @property
    def segment(self) -> str:
        """promoter, passive or detractor, for the score's colour."""
        return segment(self.score)

    @property
    def author(self) -> str:
        """The name to show: the customer's name, else their email."""
        return self.name or self.email


def current_quarter() -> str:
    """The quarter we are in now (UTC), written 2026-Q4."""
    return quarter_of(utcnow())


def checked_quarter(value: str) -> str:
    """parse_quarter, limited to the years a date can bound (1900-9998); else ValueError."""
    quarter = parse_quarter(value)
    if not 1900 <= int(quarter[:4]) <= 9998:
        raise ValueError(_("'%(value)s' is out of range: use a year between 1900 and 9998.",
                           value=value))
    return quarter


def _segment_counts(column, weight=None) -> list:
    """Promoters, passives and detractors among rows (each counting `weight`, else 1).

    The thresholds come from rules.segment, so the SQL cannot drift from the rules.
    """
    counts = []
    for name in SEGMENTS:
        scores = [s for s in range(11) if segment(s) == name]
        if weight is None:
            counts.append(func.count(case((column.in_(scores), 1))).label(name + "s"))
        else:
            total = func.sum(case((column.in_(scores), weight), else_=0))
            counts.append(func.coalesce(total, 0).label(name + "s"))
    return counts


def _score(row) -> Score:
    return Score(promoters=row.promoters or 0, passives=row.passives or 0,
                 detractors=row.detractors or 0)


def scores_by_quarter(quarters: list[str], company: str | None = None,
                      touchpoint: str | None = None) -> dict[str, Score]:
    """NPS of each quarter given, counting each person's latest answer in it once.

    Without a company it reads quarter_tallies (a few rows per quarter, kept by triggers);
    for one company it counts that company's quarter_scores rows through the indexes.
    """
    if company:
        qs = QuarterScore
        stmt = (
            select(qs.quarter, *_segment_counts(qs.score))
            .join(Customer, Customer.id == qs.customer_id)
            .where(Customer.company == company, qs.quarter.in_(quarters),
                   qs.touchpoint == (touchpoint or ""))
            .group_by(qs.quarter)
        )
    else:
        qt = QuarterTally
        stmt = (
            select(qt.quarter, *_segment_counts(qt.score, qt.answers))
            .where(qt.quarter.in_(quarters), qt.touchpoint == (touchpoint or ""))
            .group_by(qt.quarter)
        )
    found = {row.quarter: _score(row) for row in db.session.execute(stmt)}
    return {quarter: found.get(quarter, Score()) for quarter in quarters}


def quarter_score(quarter: str, company: str | None = None,
                  touchpoint: str | None = None) -> Score:
    """NPS of one quarter, counting each person's latest answer in it once."""
    return scores_by_quarter([quarter], company, touchpoint)[quarter]


def trend(filters: Filters, count: int = TREND_QUARTERS) -> list[tuple[str, Score]]:
    """(quarter, Score) for the `count` quarters ending with the chosen one, oldest first."""
    quarters = previous_quarters(filters.quarter, count)
    scores = scores_by_quarter(quarters, filters.company, filters.touchpoint)
    return [(quarter, scores[quarter]) for quarter in quarters]


def overall_score(company: str | None = None) -> Score:
    """NPS over all time: each person's latest answer ever (customers.latest_score), once."""
    stmt = select(*_segment_counts(Customer.latest_score)).where(
        Customer.latest_score.is_not(None))
    if company:
        stmt = stmt.where(Customer.company == company)
    return _score(db.session.execute(stmt).one())


def account_scores(quarter: str | None = None) -> list[AccountScore]:
    """NPS per company from each person's latest answer (in `quarter` if given), worst first."""
    if quarter:
        qs = QuarterScore
        stmt = (
            select(Customer.company, *_segment_counts(qs.score))
            .join(Customer, Customer.id == qs.customer_id)
            .where(qs.quarter == quarter, qs.touchpoint == "")
        )
    else:
        stmt = select(Customer.company, *_segment_counts(Customer.latest_score)).where(
            Customer.latest_score.is_not(None))
    stmt = stmt.where(Customer.company.is_not(None), Customer.company != "").group_by(
        Customer.company)
    rows = [AccountScore(row.company, _score(row)) for row in db.session.execute(stmt)]
    rows.sort(key=lambda a: (a.score.nps, -a.score.n, a.company.casefold()))
    return rows


def latest_comments(filters: Filters, limit: int = 20) -> list[Comment]:
    """The newest non-empty comments of the chosen quarter, through the responded_at index."""
    start, end = quarter_bounds(filters.quarter)
    stmt = (
        select(Response.id, Response.score, Response.comment, Response.responded_at,
               Response.touchpoint, Customer.name, Customer.email, Customer.company)
        .join(Customer, Customer.id == Response.customer_id)
        .where(Response.responded_at >= start, Response.responded_at < end,
               Response.comment.is_not(None), Response.comment != "")
        .order_by(Response.responded_at.desc(), Response.id.desc())
        .limit(limit)
    )
    if filters.company:
        stmt = stmt.where(Customer.company == filters.company)
    if filters.touchpoint:
        stmt = stmt.where(Response.touchpoint == filters.touchpoint)
    return [Comment(**row._mapping) for row in db.session.execute(stmt)]


def quarter_span() -> tuple[str, str] | None:
    """The first and last quarter with answers (two index probes), or None when empty."""
    first, last = db.session.execute(
        select(func.min(QuarterScore.quarter), func.max(QuarterScore.quarter))).one()
    return (first, last) if first else None


def quarters_between(first: str, last: str, limit: int = 80) -> list[str]:
    """Every quarter from `first` to `last`, newest first (at most `limit`)."""
    out = []
    for quarter in reversed(previous_quarters(last, limit)):
        out.append(quarter)
        if quarter <= first:
            break
    return out


def quarter_options(span: tuple[str, str], *extra: str | None) -> list[str]:
    """The quarters a marketer can pick: from the first answer to now, newest first."""
    known = [quarter for quarter in (*span, *extra) if quarter]
    return quarters_between(min(known), max(known))


@dataclass(frozen=True)
class Change:
    """The change since the previous quarter, and whether it exceeds the margins of error."""

    delta: float
    beyond_moe: bool


def change_between(score: Score, previous: Score) -> Change | None:
    """How NPS moved from `previous` to `score`; None unless both have answers."""
    if not (score.n and previous.n):
        return None
    delta = score.nps - previous.nps
    return Change(delta, abs(delta) > math.hypot(score.moe, previous.moe))


# A loose index scan: one probe of ix_customers_company per distinct company, instead
# of reading every customer (PostgreSQL has no skip scan; SQLite runs it just as well).
_COMPANIES = text("""
    WITH RECURSIVE c(company) AS (
        SELECT min(company) FROM customers WHERE company > ''
        UNION ALL
        SELECT (SELECT min(company) FROM customers WHERE company > c.company)
        FROM c WHERE c.company IS NOT NULL
    )
    SELECT company FROM c WHERE company IS NOT NULL
""")


def companies() -> list[str]:
    """Every company that has customers, sorted, for the filter's select box."""
    return sorted(db.session.scalars(_COMPANIES), key=str.casefold)


def touchpoints_in(quarters: list[str]) -> list[str]:
    """The touchpoints that have answers in these quarters (one index probe each)."""
    found = []
    for touchpoint in TOUCHPOINTS:
        probe = select(QuarterScore.customer_id).where(
            QuarterScore.quarter.in_(quarters), QuarterScore.touchpoint == touchpoint).limit(1)
        if db.session.execute(probe).first():
            found.append(touchpoint)
    return found
