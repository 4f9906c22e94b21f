"""The dashboard's GET filters: read them leniently, never fail on a stale or odd link."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ambassador.constants import TOUCHPOINTS
from ambassador.nps.scores import Filters, checked_quarter
from ambassador.text import ascii_int

MAX_FILTER = 255


@dataclass
class ParsedFilters:
    """The filters that apply, and a note for each value that was ignored."""

    filters: Filters
    ignored: list[str] = field(default_factory=list)


TOUCHPOINT_LABELS = {"relational": _l("relational"), "transactional": _l("transactional")}


def touchpoint_choices() -> str:
    """The touchpoints as a reader's sentence ends: "relational or transactional"."""
    return _(" or ").join(str(TOUCHPOINT_LABELS.get(t, t)) for t in TOUCHPOINTS)


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "…"


def parse_quarter_arg(value: str | None, default: str | None) -> tuple[str | None, str | None]:
    """(quarter, note): a valid quarter, or the default and a note saying why it was ignored."""
    value = (value or "").strip()
    if not value:
        return default, None
    try:
        return checked_quarter(value), None
    except ValueError as exc:
        return default, _("Ignored the quarter: %(reason)s", reason=_shown(str(exc)))


def parse_filters(args: Mapping[str, str], default_quarter: str,
                  companies: list[str]) -> ParsedFilters:
    """Read quarter, company and touchpoint from the query string; ignore unknown values."""
    ignored = []
    quarter, note = parse_quarter_arg(args.get("quarter"), default_quarter)
    if note:
        ignored.append(note)
    company = (args.get("company") or "").strip()[:MAX_FILTER + 1] or None
    if company and company not in companies:
        ignored.append(_("Ignored the company '%(company)s': nobody from it has answered.",
                         company=_shown(company)))
        company = None
    touchpoint = (args.get("touchpoint") or "").strip() or None
    if touchpoint and touchpoint not in TOUCHPOINTS:
        ignored.append(_("Ignored the touchpoint '%(touchpoint)s': use %(choices)s.",
                         touchpoint=_shown(touchpoint), choices=touchpoint_choices()))
        touchpoint = None
    return ParsedFilters(Filters(quarter, company, touchpoint), ignored)


def parse_page(value: str | None) -> int:
    """A page number from the query string; 1 when missing or not a positive number."""
    return ascii_int(value, 1, 100_000) or 1
