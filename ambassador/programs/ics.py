"""An event as an iCalendar file (RFC 5545) that calendars place at the right local time.

Times are written in the event's own time zone (`DTSTART;TZID=Europe/Paris:…`) with a
VTIMEZONE describing that zone's offsets over the event's years, so a calendar in
another zone shows the right hour and one in the same zone keeps it across DST changes.
Pure functions: no Flask, no database.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PRODID = "-//Ambassador//Programs//EN"


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma, newline."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets (§3.1), never inside a UTF-8 character."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not pieces else 74  # continuation lines start with a space
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local_stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def transitions(tz: ZoneInfo, first_year: int, last_year: int) -> list[tuple[datetime, ...]]:
    """The zone's offset changes from 1 January of first_year to the end of last_year.

    Returns (utc instant, offset before, offset after, name after, is_dst after) tuples,
    found by an hourly scan refined to the minute.
    """
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    found = []
    previous = start.astimezone(tz).utcoffset()
    moment = start
    while moment < end:
        following = moment + timedelta(hours=1)
        offset = following.astimezone(tz).utcoffset()
        if offset != previous:
            low, high = moment, following  # the change happens in (low, high]
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            local = high.astimezone(tz)
            found.append((high, previous, offset, local.tzname(), bool(local.dst())))
            previous = offset
        moment = following
    return found


def vtimezone(name: str, first_year: int, last_year: int) -> list[str]:
    """The VTIMEZONE lines for a zone, covering first_year to last_year."""
    tz = ZoneInfo(name)
    start = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(tz)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    kind = "DAYLIGHT" if start.dst() else "STANDARD"
    offset = _offset(start.utcoffset())
    lines += [f"BEGIN:{kind}", f"DTSTART:{_local_stamp(start.replace(tzinfo=None))}",
              f"TZOFFSETFROM:{offset}", f"TZOFFSETTO:{offset}",
              f"TZNAME:{escape_text(start.tzname() or name)}", f"END:{kind}"]
    for instant, before, after, tzname, is_dst in transitions(tz, first_year, last_year):
        kind = "DAYLIGHT" if is_dst else "STANDARD"
        local_before = (instant + before).replace(tzinfo=None)  # wall clock, old offset
        lines += [f"BEGIN:{kind}", f"DTSTART:{_local_stamp(local_before)}",
                  f"TZOFFSETFROM:{_offset(before)}", f"TZOFFSETTO:{_offset(after)}",
                  f"TZNAME:{escape_text(tzname or name)}", f"END:{kind}"]
    lines.append("END:VTIMEZONE")
    return lines


def event_calendar(*, uid: str, title: str, starts_at: datetime, ends_at: datetime,
                   timezone: str, description: str = "", location: str = "", url: str = "",
                   stamp: datetime, modified: datetime | None = None) -> str:
    """One VEVENT in a VCALENDAR, CRLF line endings, ready to serve as text/calendar."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    if timezone == "UTC":
        start_line, end_line = f"DTSTART:{_utc_stamp(starts_at)}", f"DTEND:{_utc_stamp(ends_at)}"
    else:
        tz = ZoneInfo(timezone)
        local_start, local_end = starts_at.astimezone(tz), ends_at.astimezone(tz)
        lines += vtimezone(timezone, local_start.year, local_end.year)
        start_line = f"DTSTART;TZID={timezone}:{_local_stamp(local_start)}"
        end_line = f"DTEND;TZID={timezone}:{_local_stamp(local_end)}"
    lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{_utc_stamp(stamp)}", start_line,
              end_line, f"SUMMARY:{escape_text(title)}"]
    if modified:
        lines.append(f"LAST-MODIFIED:{_utc_stamp(modified)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if url:
        lines.append(f"URL:{url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
