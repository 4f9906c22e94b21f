"""The NPS file parser: score, email, touchpoint and free-text cells."""

import pytest

from tests.imports.data import make_csv, parse


def one_row(header, cell, **extra):
    """The single Row of a file with email, score and one more column."""
    columns = {"email": "a@x.io", "score": "9", **extra}
    columns[header] = cell
    _, rows = parse(make_csv([list(columns), list(columns.values())]))
    return rows[0]


@pytest.mark.parametrize("cell,expected", [
    ("9", 9), (" 9 ", 9), ("9,0", 9), ("9.0", 9), ("10", 10), ("0", 0), ("07", 7),
    ("10 - Extremely likely", 10), ("0 - Not at all likely", 0),
    ("10 (Extrêmement probable)", 10), ("10.00", 10),
])
def test_scores_accepted(cell, expected):
    row = one_row("score", cell)
    assert row.error is None and row.values["score"] == expected


@pytest.mark.parametrize("cell,reason", [
    ("9.5", "score '9.5' is not a whole number"),
    ("11", "score 11 is outside 0-10"),
    ("-1", "score -1 is outside 0-10"),
    ("100", "score 100 is outside 0-10"),
    ("abc", "invalid score 'abc'"),
    ("5-6", "invalid score '5-6'"),
    ("", "score is missing"),
    ("   ", "score is missing"),
])
def test_scores_rejected(cell, reason):
    row = one_row("score", cell)
    assert row.values is None and row.error == reason


@pytest.mark.parametrize("cell,expected", [
    ("Bob@Example.COM", "bob@example.com"), ("  a.b+tag@sub.example.co.uk ",
                                             "a.b+tag@sub.example.co.uk"),
    ("ayşe@örnek.com.tr", "ayşe@örnek.com.tr"),
])
def test_emails_accepted(cell, expected):
    assert one_row("email", cell).values["email"] == expected


@pytest.mark.parametrize("cell,reason", [
    ("bob@", "invalid email 'bob@'"),
    ("bob", "invalid email 'bob'"),
    ("bob@example", "invalid email 'bob@example'"),
    ("bob@@example.com", "invalid email 'bob@@example.com'"),
    ("bob smith@example.com", "invalid email 'bob smith@example.com'"),
    ("a@b@example.com", "invalid email 'a@b@example.com'"),
    ("bob@.example.com", "invalid email 'bob@.example.com'"),
    ("bob@example..com", "invalid email 'bob@example..com'"),
    ("bob@example.com.", "invalid email 'bob@example.com.'"),
    ("", "email is missing"),
])
def test_emails_rejected(cell, reason):
    row = one_row("email", cell)
    assert row.values is None and row.error == reason


def test_long_invalid_value_is_shortened_in_the_reason():
    row = one_row("email", "x" * 300)
    assert row.error.startswith("email is too long (300 characters")
    row = one_row("email", "y" * 100)
    assert row.error == f"invalid email '{'y' * 59}…'"


@pytest.mark.parametrize("cell,expected", [
    ("relational", "relational"), ("Transactional", "transactional"),
    ("RELATIONNEL", "relational"), ("transactionnel", "transactional"),
    ("ilişkisel", "relational"), ("İlişkisel", "relational"), ("İŞLEMSEL", "transactional"),
    ("işlemsel", "transactional"), ("", None), ("  ", None),
])
def test_touchpoints_accepted(cell, expected):
    row = one_row("touchpoint", cell)
    assert row.error is None and row.values["touchpoint"] == expected


def test_unknown_touchpoint_is_a_row_error():
    row = one_row("touchpoint", "Onboarding")
    assert row.error == "unknown touchpoint 'Onboarding' (use relational or transactional)"


@pytest.mark.parametrize("field", ["name", "company", "external_id", "contact_ref"])
def test_text_fields_stripped_and_capped_at_255(field):
    assert one_row(field, "  x  ").values[field] == "x"
    assert one_row(field, "").values[field] is None
    assert one_row(field, "y" * 255).values[field] == "y" * 255
    row = one_row(field, "y" * 256)
    label = field.replace("_", " ")
    assert row.values is None
    assert row.error == f"{label} is too long (256 characters, max 255)"


def test_language_capped_at_the_width_of_its_column():
    assert one_row("language", "l" * 35).values["language"] == "l" * 35
    row = one_row("language", "l" * 36)
    assert row.values is None
    assert row.error == "language is too long (36 characters, max 35)"


def test_comment_capped_at_10000_and_rejected_not_truncated():
    assert one_row("comment", "c" * 10_000).values["comment"] == "c" * 10_000
    row = one_row("comment", "c" * 10_001)
    assert row.values is None
    assert row.error == "comment is too long (10,001 characters, max 10,000)"


def test_comment_keeps_inner_line_breaks_and_unicode():
    text = "Très bien 👍\nÇok iyi"
    assert one_row("comment", f"  {text}  ").values["comment"] == text
