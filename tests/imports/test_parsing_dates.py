"""The NPS file parser: response dates, day/month order, zones, UTC."""

from datetime import UTC, datetime

import pytest

from ambassador.imports.parsing import ImportFileError, ParseOptions, inspect
from tests.imports.data import file_error, make_csv, parse


def dated(*cells, header="responded_at"):
    """A template file with one data row per date cell."""
    return make_csv([["email", "score", header]] + [[f"u{i}@x.io", "9", c]
                                                    for i, c in enumerate(cells)])


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize("cell,expected", [
    ("2026-11-24", utc(2026, 11, 24)),
    ("2026-11-24T14:05:00+03:00", utc(2026, 11, 24, 11, 5)),
    ("2026-11-24T11:05:00Z", utc(2026, 11, 24, 11, 5)),
    ("2026-11-24T11:05:00.250Z", utc(2026, 11, 24, 11, 5, 0, 250000)),
    ("2024-10-05 02:39:31", utc(2024, 10, 5, 2, 39, 31)),
    ("2026/09/27 3:00:00 PM GMT+3", utc(2026, 9, 27, 12)),
    ("2026/09/27 3:00:00 PM GMT-5", utc(2026, 9, 27, 20)),
    ("2026/09/27 3:00 PM GMT+05:30", utc(2026, 9, 27, 9, 30)),
    ("2026/09/27 12:10:00 AM GMT", utc(2026, 9, 27, 0, 10)),
    ("2026-09-27 3:00 pm", utc(2026, 9, 27, 15)),
    ("1764000000", utc(2025, 11, 24, 16, 0)),
    ("999999999", utc(2001, 9, 9, 1, 46, 39)),
    ("  2026-11-24  ", utc(2026, 11, 24)),
])
def test_unambiguous_formats(cell, expected):
    info, rows = parse(dated(cell))
    assert info.date_order == "iso"
    assert rows[0].error is None
    assert rows[0].values["responded_at"] == expected
    assert rows[0].values["responded_at"].tzinfo is UTC


@pytest.mark.parametrize("cells,order,expected", [
    (("24/11/2026", "03/04/2026"), "dmy", [utc(2026, 11, 24), utc(2026, 4, 3)]),
    (("24.11.2026 14:05", "03.04.2026 09:30:15"), "dmy",
     [utc(2026, 11, 24, 14, 5), utc(2026, 4, 3, 9, 30, 15)]),
    (("24-11-26", "03-04-26"), "dmy", [utc(2026, 11, 24), utc(2026, 4, 3)]),
    (("11/24/2026 2:05 PM", "03/04/2026 12:00 AM"), "mdy",
     [utc(2026, 11, 24, 14, 5), utc(2026, 3, 4)]),
    (("11/24/26", "3/4/26 9:05:01 am"), "mdy", [utc(2026, 11, 24), utc(2026, 3, 4, 9, 5, 1)]),
])
def test_day_month_order_is_decided_from_the_whole_column(cells, order, expected):
    info, rows = parse(dated(*cells))
    assert info.date_order == order
    assert [r.values["responded_at"] for r in rows] == expected


def test_order_evidence_late_in_the_column_counts():
    cells = ["01/02/2026"] * 50 + ["13/02/2026"]
    info, rows = parse(dated(*cells))
    assert info.date_order == "dmy"
    assert rows[0].values["responded_at"] == utc(2026, 2, 1)


def test_conflicting_orders_follow_the_majority():
    info, rows = parse(dated("24/11/2026", "25/11/2026", "11/26/2026", "05/06/2026"))
    assert info.date_order == "dmy"
    assert [r.error for r in rows] == [
        None, None, "unrecognised date '11/26/2026' (expected day/month/year)", None]
    assert rows[3].values["responded_at"] == utc(2026, 6, 5)


def test_conflicting_orders_in_a_tie_need_a_date_format():
    error = file_error(dated("24/11/2026", "11/26/2026"))
    assert error.needs_date_format is True


def test_ambiguous_dates_need_a_date_format():
    error = file_error(dated("03/04/2026", "05/06/2026 10:00"))
    assert error.needs_date_format is True
    assert error.candidates == []
    message = str(error)
    assert "'03/04/2026'" in message and "day-first or month-first" in message


def test_same_day_and_month_is_not_ambiguous():
    info, rows = parse(dated("05/05/2026", "2026-01-02"))
    assert info.date_order == "iso"
    assert rows[0].values["responded_at"] == utc(2026, 5, 5)


@pytest.mark.parametrize("fmt,expected", [("dmy", utc(2026, 4, 3)), ("mdy", utc(2026, 3, 4)),
                                          ("DMY", utc(2026, 4, 3))])
def test_date_format_option_settles_ambiguity(fmt, expected):
    info, rows = parse(dated("03/04/2026"), date_format=fmt)
    assert info.date_order == fmt.lower()
    assert rows[0].values["responded_at"] == expected


def test_strptime_date_format():
    info, rows = parse(dated("03|04|2026 14h05", "2026-01-02"), date_format="%d|%m|%Y %Hh%M")
    assert info.date_order == "%d|%m|%Y %Hh%M"
    assert [r.values["responded_at"] for r in rows] == [utc(2026, 4, 3, 14, 5), utc(2026, 1, 2)]


def test_date_format_given_to_iter_rows_only():
    data = dated("03/04/2026")
    info = inspect(data, ParseOptions(date_format="dmy"))
    from ambassador.imports.parsing import iter_rows

    rows = list(iter_rows(data, info, ParseOptions(date_format="mdy")))
    assert rows[0].values["responded_at"] == utc(2026, 3, 4)


def test_bad_date_format_option():
    assert "Unknown date format" in str(file_error(dated("2026-01-02"), date_format="ymd"))


@pytest.mark.parametrize("cell", ["31/31/2026", "yesterday", "2026-13-01", "32/01/2026",
                                  "24/11/2026 25:00", "24/11/2026 13:00 PM", "1/2/3/4",
                                  "24/11/999", "123456"])
def test_unparseable_dates_are_row_errors(cell):
    _, rows = parse(make_csv([["email", "score", "responded_at"], ["a@x.io", "9", "24/11/2026"],
                              ["b@x.io", "9", cell]]))
    assert rows[0].error is None
    assert rows[1].values is None
    assert rows[1].error.startswith(f"unrecognised date '{cell}'")


def test_empty_dates_are_none_and_no_column_means_none():
    info, rows = parse(dated("", "2026-01-02"))
    assert rows[0].values["responded_at"] is None and rows[0].error is None
    info, rows = parse(make_csv([["email", "score"], ["a@x.io", "9"]]))
    assert info.date_order is None and rows[0].values["responded_at"] is None
    info = inspect(dated("", " "))
    assert info.date_order is None


def test_timezone_option_applies_to_dates_without_offset():
    info, rows = parse(dated("24/11/2026 14:05", "2026-11-24T14:05:00+01:00", "2026-07-01"),
                       timezone="Europe/Istanbul")
    assert [r.values["responded_at"] for r in rows] == [
        utc(2026, 11, 24, 11, 5), utc(2026, 11, 24, 13, 5), utc(2026, 6, 30, 21)]


def test_daylight_saving_is_respected():
    _, rows = parse(dated("2026-01-15 12:00", "2026-07-15 12:00"), timezone="Europe/Paris")
    assert [r.values["responded_at"].hour for r in rows] == [11, 10]


def test_unknown_timezone_option_is_a_file_error():
    error = file_error(dated("2026-01-02"), timezone="Mars/Olympus")
    assert str(error) == (
        "Unknown time zone 'Mars/Olympus': use a name like Europe/Istanbul or UTC.")


def test_date_aliases_read_google_forms_and_typeform():
    google = make_csv([["Horodateur", "Adresse e-mail", "Note"],
                       ["24/11/2026 14:05:33", "a@x.fr", "9"]])
    info, rows = parse(google)
    assert info.mapping["responded_at"] == "Horodateur" and info.date_order == "dmy"
    assert rows[0].values["responded_at"] == utc(2026, 11, 24, 14, 5, 33)
    typeform = make_csv([["#", "Email", "score", "Start Date (UTC)", "Submit Date (UTC)"],
                         ["abc", "a@x.io", "7", "2024-10-05 02:30:00", "2024-10-05 02:39:31"]])
    info, rows = parse(typeform)
    assert info.mapping["responded_at"] == "Submit Date (UTC)"
    assert rows[0].values["responded_at"] == utc(2024, 10, 5, 2, 39, 31)
    assert rows[0].values["external_id"] == "abc"


def test_import_file_error_flags_default():
    error = ImportFileError("x")
    assert error.candidates == [] and error.needs_date_format is False and str(error) == "x"
