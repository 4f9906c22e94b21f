"""The marketers' referral figures: visits, sign-ups, conversions, per ambassador, per offer,
week by week, and the chart of them drawn on the server (as the NPS trend is).

Counting happens in the database (grouped counts, one query per figure); this module
computes the chart's geometry and `templates/referrals/_chart.html` draws the SVG.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.i18n import format_number
from ambassador.offers.models import Offer
from ambassador.referrals.models import LinkVisit, Referral, ReferralLink, RewardEntry
from ambassador.referrals.services import reason_texts
from ambassador.utils import utcnow

WEEKS = 12
WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 46, 14, 18, 40
SERIES = ("visits", "signups", "conversions")


@dataclass
class Row:
    """One line of a table: who or what, and its counts."""

    key: int | None
    label: str
    detail: str = ""
    visits: int = 0
    signups: int = 0
    conversions: int = 0
    pending: int = 0

    @property
    def rate(self) -> float | None:
        """Conversions per sign-up, in %, or None without sign-ups."""
        return 100.0 * self.conversions / self.signups if self.signups else None


def _counts(column, key, since: datetime | None = None, where=()) -> dict:
    stmt = select(key, func.count()).select_from(column.table)
    for condition in where:
        stmt = stmt.where(condition)
    if since is not None:
        stmt = stmt.where(column >= since)
    return dict(db.session.execute(stmt.group_by(key)).all())


def totals() -> Row:
    """Every visit, sign-up and conversion, and how many wait for a review."""
    count = func.count()
    visits = db.session.scalar(select(count).select_from(LinkVisit))
    signups = db.session.scalar(select(count).select_from(Referral))
    conversions = db.session.scalar(select(count).select_from(Referral).where(
        Referral.converted_at.is_not(None)))
    held = db.session.scalar(select(count).select_from(Referral).where(
        Referral.status == "review"))
    return Row(None, _("All"), visits=visits, signups=signups, conversions=conversions,
               pending=held)


def by_ambassador(limit: int = 100) -> list[Row]:
    """Per ambassador with a link: visits, sign-ups, conversions, pending rewards (entries)."""
    visits = _counts(LinkVisit.visited_at, LinkVisit.link_id)
    signups = _counts(Referral.created_at, Referral.link_id)
    conversions = _counts(Referral.converted_at, Referral.link_id,
                          where=(Referral.converted_at.is_not(None),))
    pending = _counts(RewardEntry.created_at, RewardEntry.user_id,
                      where=(RewardEntry.state == "pending",))
    rows = []
    for link_id, user_id, name, email in db.session.execute(
            select(ReferralLink.id, User.id, User.name, User.email)
            .join(User, User.id == ReferralLink.user_id)):
        rows.append(Row(user_id, name or email, email, visits.get(link_id, 0),
                        signups.get(link_id, 0), conversions.get(link_id, 0),
                        pending.get(user_id, 0)))
    rows.sort(key=lambda r: (-r.conversions, -r.signups, -r.visits, r.label.lower()))
    return rows[:limit]


def by_offer() -> list[Row]:
    """Per offer that friends saw or signed up for."""
    visits = _counts(LinkVisit.visited_at, LinkVisit.offer_id)
    signups = _counts(Referral.created_at, Referral.offer_id)
    conversions = _counts(Referral.converted_at, Referral.offer_id,
                          where=(Referral.converted_at.is_not(None),))
    ids = {k for k in (*visits, *signups) if k is not None}
    titles = dict(db.session.execute(select(Offer.id, Offer.title).where(
        Offer.id.in_(ids or [-1]))).all())
    rows = [Row(i, titles.get(i, "?"), "", visits.get(i, 0), signups.get(i, 0),
                conversions.get(i, 0)) for i in sorted(ids)]
    if None in visits or None in signups:
        rows.append(Row(None, _("No offer"), "", visits.get(None, 0), signups.get(None, 0),
                        conversions.get(None, 0)))
    return rows


def weekly(now: datetime | None = None, weeks: int = WEEKS) -> tuple[list[datetime], dict]:
    """The week starts (Mondays, UTC) and, per series, the count in each week."""
    now = now or utcnow()
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0,
                                                           microsecond=0)
    starts = [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    ends = starts[1:] + [monday + timedelta(weeks=1)]

    def buckets(column, where=()):
        cols = [func.sum(case((and_(column >= s, column < e), 1), else_=0))
                for s, e in zip(starts, ends, strict=True)]
        stmt = select(*cols).where(column >= starts[0], *where)
        return [int(v or 0) for v in db.session.execute(stmt).one()]

    return starts, {
        "visits": buckets(LinkVisit.visited_at),
        "signups": buckets(Referral.created_at),
        "conversions": buckets(Referral.converted_at, (Referral.converted_at.is_not(None),)),
    }


# -- the chart ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    """A horizontal grid line and its label."""

    y: float
    label: str


@dataclass(frozen=True)
class Line:
    """One series: its polyline, its points and their values (for the tooltips)."""

    name: str
    label: str
    points: str
    marks: list[tuple[float, float, int]]


@dataclass(frozen=True)
class WeeklyChart:
    """What the template needs to draw the weekly chart, in SVG user units."""

    title: str
    summary: str
    ticks: list[Tick]
    labels: list[tuple[float, str]]
    lines: list[Line] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    label_y: int = HEIGHT - BOTTOM + 20


def _step(high: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000):
        if high / step <= 5:
            return step
    return 50_000


def weekly_chart(starts: list[datetime], series: dict, labels: dict) -> WeeklyChart:
    """The line chart's geometry: one line per series, a point per week, a readable y axis."""
    high = max([1, *(v for values in series.values() for v in values)])
    step = _step(high)
    top_value = -(-high // step) * step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    band = plot_w / max(len(starts), 1)

    def x(i: int) -> float:
        return round(LEFT + band * (i + 0.5), 1)

    def y(value: int) -> float:
        return round(TOP + plot_h * (top_value - value) / top_value, 1)

    ticks = [Tick(y(v), format_number(v)) for v in range(0, top_value + 1, step)]
    lines = []
    for name in SERIES:
        values = series[name]
        marks = [(x(i), y(v), v) for i, v in enumerate(values)]
        lines.append(Line(name, labels[name], " ".join(f"{a},{b}" for a, b, _v in marks),
                          marks))
    week_labels = [(x(i), s.strftime("%d/%m")) for i, s in enumerate(starts)]
    summary = "; ".join(
        _("week of %(date)s: %(visits)s visits, %(signups)s sign-ups, %(conversions)s "
          "conversions", date=s.strftime("%Y-%m-%d"), visits=series["visits"][i],
          signups=series["signups"][i], conversions=series["conversions"][i])
        for i, s in enumerate(starts))
    return WeeklyChart(title=_("Referrals by week, last %(num)s weeks", num=len(starts)),
                       summary=summary, ticks=ticks, labels=week_labels, lines=lines)


def ambassador_figures(user) -> Row:
    """One ambassador's own figures: visits, friends signed up, friends who became customers."""
    link = db.session.scalar(select(ReferralLink).where(ReferralLink.user_id == user.id))
    if link is None:
        return Row(user.id, user.display_name)
    count = func.count()
    return Row(user.id, user.display_name,
               visits=db.session.scalar(select(count).select_from(LinkVisit).where(
                   LinkVisit.link_id == link.id)),
               signups=db.session.scalar(select(count).select_from(Referral).where(
                   Referral.link_id == link.id)),
               conversions=db.session.scalar(select(count).select_from(Referral).where(
                   Referral.link_id == link.id, Referral.converted_at.is_not(None))))


def export_rows():
    """Every referral as CSV rows (for the marketers' export), oldest first."""
    for referral, email, title in db.session.execute(
            select(Referral, User.email, Offer.title)
            .join(ReferralLink, ReferralLink.id == Referral.link_id)
            .join(User, User.id == ReferralLink.user_id)
            .outerjoin(Offer, Offer.id == Referral.offer_id)
            .order_by(Referral.created_at, Referral.id)).yield_per(1000):
        yield (referral.id, referral.created_at.strftime("%Y-%m-%d %H:%M:%S"), email,
               referral.friend_name, referral.friend_email, title or "", referral.status,
               "; ".join(reason_texts(referral)),
               referral.converted_at.strftime("%Y-%m-%d %H:%M:%S")
               if referral.converted_at else "", referral.conversion_source or "")


EXPORT_HEADER = ["id", "signed_up_at", "ambassador_email", "friend_name", "friend_email",
                 "offer", "status", "reasons", "converted_at", "conversion_source"]
