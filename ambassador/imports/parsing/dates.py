"""Response dates: the formats survey tools write, day/month order, zones, UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from ambassador.imports.parsing.base import ImportFileError
from ambassador.imports.parsing.values import ValueProblem, shown

ORDERS = ("dmy", "mdy")
_ORDER_WORDS = {"dmy": "day/month/year", "mdy": "month/day/year"}
_UTC_NAMES = frozenset({"utc", "z", "gmt", "etc/utc", "etc/gmt", "zulu", "universal"})

# 24/11/2026, 11-24-26, 24.11.2026, 2026/09/27 ... then an optional time part:
# 14:05, 2:05:33 PM, 3:00:00 PM GMT+3, 11:05:00.250Z, 09:00 +05:30
_DATE = re.compile(r"(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})")
_TIME = re.compile(
    r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(?:\s*([AaPp])\.?[Mm]\.?)?"
    r"(?:\s*(Z|(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?|GMT|UTC))?"
)
_FAST = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})"
                   r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_UNIX = re.compile(r"\d{9,11}(?:\.\d+)?")


def zone(name: str | None) -> tzinfo | None:
    """The tzinfo for an IANA zone name (UTC/Z/GMT accepted), None for None; else raises."""
    if name is None or not name.strip():
        return None
    if name.strip().casefold() in _UTC_NAMES:
        return UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a tzdata folder ("America")
        raise ImportFileError(
            _("Unknown time zone %(zone)s: use a name like Europe/Istanbul or UTC.",
              zone=shown(name))) from None


def check_format(value: str) -> str:
    """A valid date_format option: "dmy", "mdy" or a strptime format containing "%"."""
    text = value.strip()
    if text.lower() in ORDERS:
        return text.lower()
    if "%" in text:
        try:
            datetime(2026, 11, 24, 14, 5).strftime(text)
        except ValueError:
            pass
        else:
            return value
    raise ImportFileError(
        _("Unknown date format '%(value)s'; use dmy (day first), mdy (month first)"
          " or a pattern like %%d/%%m/%%Y %%H:%%M.", value=value))


def classify(raw: str) -> str | None:
    """How one date cell bears on the day/month order (None when empty)."""
    # "dmy" / "mdy": only that order fits; "ambiguous": both fit and differ; "fixed": the
    # order does not matter (ISO, Unix time, year first, same day and month); "invalid".
    text = raw.strip()
    if not text:
        return None
    if len(text) >= 10 and text[4] == "-" and text[:4].isdigit():
        return "fixed"
    m = _DATE.match(text)
    if m is None or (len(text) > m.end() and text[m.end()] not in " \tT,"):
        return "fixed" if _UNIX.fullmatch(text) else "invalid"
    first, second = m.group(1), m.group(3)
    if len(first) == 4:
        return "fixed"
    a, b = int(first), int(second)
    if a > 12 and b > 12 or a == 0 or b == 0:
        return "invalid"
    if a > 12:
        return "dmy"
    if b > 12:
        return "mdy"
    return "fixed" if a == b else "ambiguous"


def decide_order(counts: dict[str, int], examples: dict[str, str]) -> str | None:
    """The column's order from classify() counts: "dmy", "mdy", "iso" or None; may raise."""
    dmy, mdy = counts.get("dmy", 0), counts.get("mdy", 0)
    if dmy != mdy:
        return "dmy" if dmy > mdy else "mdy"
    if dmy:
        raise ImportFileError(
            _("Some dates are day-first (%(dmy)s) and as many are month-first (%(mdy)s);"
              " choose day-first or month-first.", dmy=shown(examples["dmy"]),
              mdy=shown(examples["mdy"])),
            needs_date_format=True)
    if counts.get("ambiguous"):
        raise ImportFileError(
            _("Dates such as %(example)s could be day/month/year or month/day/year; choose"
              " day-first or month-first.", example=shown(examples["ambiguous"])),
            needs_date_format=True)
    if counts.get("fixed"):
        return "iso"
    return None


def parse_date(raw: str, order: str | None, default_zone: tzinfo) -> datetime | None:
    """A UTC-aware datetime for a date cell (None when empty), or ValueProblem."""
    # `order` is "dmy", "mdy", "iso"/None (no slashed dates expected) or a strptime format;
    # dates without an offset are taken in `default_zone`.
    text = raw.strip()
    if not text:
        return None
    value = None
    if order and "%" in order:
        try:
            value = datetime.strptime(text, order)
        except ValueError:
            value = None
    if value is None and len(text) >= 8 and (text[4] == "-" or len(text) == 8):
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = _lenient_iso(text)
    if value is None:
        if text[-1].isdigit() and _UNIX.fullmatch(text):
            return datetime.fromtimestamp(float(text), UTC)
        value = _numeric(text, order, default_zone)
        if value.tzinfo is UTC:
            return value
    tz = value.tzinfo
    if tz is None:
        if default_zone is UTC:
            return value.replace(tzinfo=UTC)
        value = value.replace(tzinfo=default_zone)
    elif tz is UTC:
        return value
    return value.astimezone(UTC)


def _lenient_iso(text: str) -> datetime | None:
    """fromisoformat once more with a lower-case "z" or "t" allowed, else None."""
    try:
        return datetime.fromisoformat(text.upper()) if text[:4].isdigit() else None
    except ValueError:
        return None


def _numeric(text: str, order: str | None, default_zone: tzinfo) -> datetime:
    fast = _FAST.fullmatch(text)
    try:
        if fast is not None:   # 24/11/2026 or 24/11/2026 14:05[:33], the common shapes
            year, month, day = _date_part(text[:fast.end(4)], order)
            hour, minute, second = fast.group(5, 6, 7)
            return datetime(year, month, day, int(hour or 0), int(minute or 0),
                            int(second or 0), tzinfo=default_zone)
        m = _DATE.match(text)
        rest = text[m.end():] if m else "?"
        if rest and rest[0] not in " \tT,":
            raise ValueError("not a date")
        year, month, day = _date_part(m.group(), order)
        hour, minute, second, micro, tz = _time_part(rest.lstrip(" \tT,")) if rest else _MIDNIGHT
        return datetime(year, month, day, hour, minute, second, micro,
                        tzinfo=tz or default_zone)
    except ValueProblem as exc:
        raise ValueProblem(f"unrecognised date {shown(text)}{exc}") from None
    except ValueError:
        raise ValueProblem(f"unrecognised date {shown(text)}") from None


_MIDNIGHT = (0, 0, 0, 0, None)


@lru_cache(maxsize=8192)
def _date_part(text: str, order: str | None) -> tuple[int, int, int]:
    """(year, month, day) of a numeric date; ValueProblem(" (expected ...)") / ValueError."""
    first, _, second, third = _DATE.fullmatch(text).groups()
    if len(first) == 4:
        year, month, day = first, second, third
    else:
        a, b = int(first), int(second)
        if order not in ORDERS:
            if a != b and a <= 12 and b <= 12:
                raise ValueProblem(" (day/month order unknown)")
            order = "dmy" if a > 12 else "mdy"
        elif (a if order == "mdy" else b) > 12 >= (b if order == "mdy" else a):
            raise ValueProblem(f" (expected {_ORDER_WORDS[order]})")
        day, month = (first, second) if order == "dmy" else (second, first)
        year = third
    y = int(year)
    if len(year) == 2:
        y += 2000 if y < 70 else 1900
    elif len(year) != 4:
        raise ValueError("year")
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        raise ValueError("day or month")
    return y, int(month), int(day)


@lru_cache(maxsize=4096)
def _time_part(text: str) -> tuple[int, int, int, int, tzinfo | None]:
    """(hour, minute, second, microsecond, zone or None) of a time text; else ValueError."""
    m = _TIME.fullmatch(text.rstrip())
    if m is None:
        raise ValueError("time")
    hour, minute, second, fraction, ampm, zone_text, sign, zh, zm = m.groups()
    h = int(hour)
    if ampm:
        if not 1 <= h <= 12:
            raise ValueError("hour")
        h = h % 12 + (12 if ampm in "Pp" else 0)
    if h > 23 or int(minute) > 59 or int(second or 0) > 59:
        raise ValueError("time")
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = None
    if zone_text:
        tz = UTC
        if sign:
            offset = timedelta(hours=int(zh), minutes=int(zm or 0))
            if offset > timedelta(hours=14):
                raise ValueError("offset")
            if offset:
                tz = timezone(-offset if sign == "-" else offset)
    return h, int(minute), int(second or 0), micro, tz
