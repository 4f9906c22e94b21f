"""The NPS rules, in one place: segments, quarters, NPS and its margin of error."""

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _

SMALL_SAMPLE = 30
QUARTER_RE = re.compile(r"^([0-9]{4})-Q([1-4])$")  # ASCII digits only: ２０２６-Q1 is no quarter
# Answers are accepted from this moment to one day ahead (clock skew), from every source.
EARLIEST_RESPONSE = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def response_date_problem(moment: datetime, now: datetime) -> str | None:
    """Why an answer's date cannot be right (before 2000 or in the future), else None."""
    if moment < EARLIEST_RESPONSE:
        return "is before 2000"
    if moment > now + FUTURE_SLACK:
        return "is in the future"
    return None


def segment(score: int) -> str:
    """promoter 9-10, passive 7-8, detractor 0-6."""
    if score >= 9:
        return "promoter"
    if score >= 7:
        return "passive"
    return "detractor"


def status_for(score: int | None) -> str:
    """A person's ambassador status from their latest score: active, lapsed or none."""
    return "none" if score is None else ("active" if score >= 9 else "lapsed")


def quarter_of(moment: datetime) -> str:
    """The calendar quarter of a UTC moment, written 2026-Q4."""
    moment = moment.astimezone(UTC)
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def parse_quarter(text: str) -> str:
    """Validate a quarter written 2026-Q3 (case-insensitive); raise ValueError otherwise."""
    value = (text or "").strip().upper()
    if not QUARTER_RE.match(value):
        raise ValueError(_("'%(value)s' is not a quarter: write it like 2026-Q3.", value=text))
    return value


def quarter_bounds(quarter: str) -> tuple[datetime, datetime]:
    """The first moment of the quarter and of the next one, in UTC."""
    year, q = int(quarter[:4]), int(quarter[-1])
    start = datetime(year, 3 * (q - 1) + 1, 1, tzinfo=UTC)
    end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=UTC)
    return start, end


def previous_quarters(quarter: str, count: int) -> list[str]:
    """The `count` quarters ending with `quarter`, oldest first."""
    year, q = int(quarter[:4]), int(quarter[-1])
    out = []
    for _step in range(count):
        out.append(f"{year}-Q{q}")
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return out[::-1]


@dataclass(frozen=True)
class Score:
    """NPS of a group of people, with its sample size and 95 % margin of error."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        """% promoters - % detractors, from -100 to +100 (None without answers)."""
        if not self.n:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.n

    @property
    def moe(self) -> float | None:
        """95 % margin of error in points: 1.96 * sqrt((p + d - (p - d)^2) / n) * 100."""
        if not self.n:
            return None
        p, d = self.promoters / self.n, self.detractors / self.n
        variance = max(p + d - (p - d) ** 2, 0.0)
        return 1.96 * math.sqrt(variance / self.n) * 100

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE

    def line(self) -> str:
        """The contract's one-line form: NPS x n=N moe=±y promoters=P passives=Q detractors=D."""
        nps = f"{self.nps:.1f}" if self.n else "0.0"
        moe = f"{self.moe:.1f}" if self.n else "0.0"
        return (f"NPS {nps} n={self.n} moe=±{moe} promoters={self.promoters} "
                f"passives={self.passives} detractors={self.detractors}")
