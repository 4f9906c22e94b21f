"""The .ics file: RFC 5545 lines, the event's own time zone, text escaped and folded."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ambassador.programs.ics import escape_text, event_calendar, fold, transitions

STAMP = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _paris_event(**kw):
    values = dict(uid="program-7@ambassador.test", title="Atelier, clients; idées",
                  starts_at=datetime(2027, 3, 30, 12, 0, tzinfo=UTC),  # 14:00 in Paris (CEST)
                  ends_at=datetime(2027, 3, 30, 14, 0, tzinfo=UTC), timezone="Europe/Paris",
                  description="Line one\nLine two", location="Paris, salle 2",
                  url="http://ambassador.test/programs/7", stamp=STAMP)
    values.update(kw)
    return event_calendar(**values)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_event_is_written_in_its_time_zone_with_a_vtimezone():
    text = _paris_event()
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "VERSION:2.0" in lines and "METHOD:PUBLISH" in lines
    assert "DTSTART;TZID=Europe/Paris:20270330T140000" in lines
    assert "DTEND;TZID=Europe/Paris:20270330T160000" in lines
    assert "DTSTAMP:20261201T080000Z" in lines
    assert "UID:program-7@ambassador.test" in lines
    assert "TZID:Europe/Paris" in lines
    # 2027: summer time starts on 28 March at 02:00 (+01 -> +02), ends on 31 October at 03:00.
    block = "\n".join(lines)
    assert ("BEGIN:DAYLIGHT\nDTSTART:20270328T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\n"
            "TZNAME:CEST\nEND:DAYLIGHT") in block
    assert ("BEGIN:STANDARD\nDTSTART:20271031T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\n"
            "TZNAME:CET\nEND:STANDARD") in block
    assert lines.index("END:VTIMEZONE") < lines.index("BEGIN:VEVENT")


def test_every_line_ends_with_crlf_and_fits_75_octets():
    text = _paris_event(title="Çalıştay: müşteri konseyi " * 8, description="é" * 300)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert "SUMMARY:" + escape_text("Çalıştay: müşteri konseyi " * 8) in _unfold(text)


def test_text_values_are_escaped():
    lines = _unfold(_paris_event())
    assert "SUMMARY:Atelier\\, clients\\; idées" in lines
    assert "DESCRIPTION:Line one\\nLine two" in lines
    assert "LOCATION:Paris\\, salle 2" in lines
    assert escape_text("a\\b") == "a\\\\b"


def test_a_zone_without_summer_time_has_one_standard_offset():
    text = _paris_event(timezone="Europe/Istanbul")
    lines = _unfold(text)
    assert "DTSTART;TZID=Europe/Istanbul:20270330T150000" in lines
    assert "TZOFFSETTO:+0300" in lines and "BEGIN:DAYLIGHT" not in lines


def test_utc_events_use_utc_times_and_no_vtimezone():
    lines = _unfold(_paris_event(timezone="UTC"))
    assert "DTSTART:20270330T120000Z" in lines and "BEGIN:VTIMEZONE" not in lines


def test_transitions_of_new_york_in_2027():
    found = transitions(ZoneInfo("America/New_York"), 2027, 2027)
    assert [(t.isoformat(), name) for t, _b, _a, name, _d in found] == [
        ("2027-03-14T07:00:00+00:00", "EDT"), ("2027-11-07T06:00:00+00:00", "EST")]


def test_folding_never_splits_a_character():
    line = "DESCRIPTION:" + "ş" * 100
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line
    for piece in folded.split("\r\n"):
        piece.encode("utf-8").decode("utf-8")
        assert len(piece.encode("utf-8")) <= 75
