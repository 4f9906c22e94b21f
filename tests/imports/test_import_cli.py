"""`flask nps import FILE`: output, exit codes, options, dry runs."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.imports import cli as import_cli
from ambassador.imports.importer import save_mapping
from ambassador.imports.models import ImportRun
from ambassador.nps.models import Customer, Response
from tests.imports.data import (
    AMBIGUOUS,
    QUALTRICS,
    SURVEYMONKEY,
    TEMPLATE,
    TURKISH,
    TWO_SCORES,
    WITH_ERRORS,
    csv_bytes,
)


@pytest.fixture
def run_import(runner, tmp_path):
    """run_import(data, *options, name="responses.csv") -> the click Result."""

    def run(data: bytes, *options: str, name: str = "responses.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return runner.invoke(args=["nps", "import", str(path), *options])

    return run


def lines(result) -> list[str]:
    return result.stdout.splitlines()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_template_file_imports_with_exit_0(run_import):
    result = run_import(TEMPLATE)
    assert result.exit_code == 0, result.output
    assert lines(result) == ["encoding utf-8 (detected), delimiter ','",
                             "imported 3, duplicates 0, rejected 0"]
    assert result.stderr == ""
    assert count(Response) == 3
    run = db.session.scalar(select(ImportRun))
    assert (run.filename, run.imported, run.dry_run, run.user_id) == (
        "responses.csv", 3, False, None)


def test_reimporting_gives_only_duplicates(run_import):
    run_import(TEMPLATE)
    result = run_import(TEMPLATE)
    assert result.exit_code == 0
    assert lines(result)[-1] == "imported 0, duplicates 3, rejected 0"
    assert count(Response) == 3


def test_rejected_rows_are_listed_and_exit_3(run_import):
    result = run_import(WITH_ERRORS)
    assert result.exit_code == 3
    assert lines(result) == [
        "encoding utf-8 (detected), delimiter ','",
        "imported 2, duplicates 0, rejected 2",
        "line 3: invalid email 'not-an-email'",
        "line 4: score 11 is outside 0-10",
    ]
    assert count(Response) == 2
    assert db.session.scalar(select(ImportRun.errors)) == [
        [3, "invalid email 'not-an-email'"], [4, "score 11 is outside 0-10"]]


def test_dry_run_reports_the_same_and_writes_nothing(run_import):
    dry = run_import(WITH_ERRORS, "--dry-run")
    assert dry.exit_code == 3
    assert (count(Response), count(Customer), count(ImportRun)) == (0, 0, 0)
    assert "dry run" in dry.stderr
    real = run_import(WITH_ERRORS)
    assert lines(real) == lines(dry)


def test_windows_1254_semicolon_file_with_decimal_scores(run_import):
    result = run_import(TURKISH)
    assert result.exit_code == 0, result.output
    assert lines(result) == ["encoding cp1254 (detected), delimiter ';'",
                             "imported 3, duplicates 0, rejected 0"]
    names = set(db.session.scalars(select(Customer.name)))
    assert names == {"Şükrü Yılmaz", "Ayşe Öztürk", "Gül Işık"}
    assert sorted(db.session.scalars(select(Response.score))) == [6, 9, 10]


def test_qualtrics_export_reports_what_it_skipped(run_import):
    result = run_import(QUALTRICS)
    assert result.exit_code == 0, result.output
    assert lines(result) == [
        "encoding utf-8 (detected), delimiter ',', qualtrics export (3 header rows),"
        " comment 'Q2' (asks why)",
        "skipped 2 (survey preview 1, unfinished 1)",
        "imported 2, duplicates 0, rejected 0",
    ]
    assert set(db.session.scalars(select(Customer.name))) == {"Dana Smith", "Frank Green"}


def test_surveymonkey_export(run_import):
    result = run_import(SURVEYMONKEY)
    assert result.exit_code == 0, result.output
    assert lines(result)[-1] == "imported 2, duplicates 0, rejected 0"
    assert "surveymonkey export (2 header rows)" in lines(result)[0]


def test_ambiguous_dates_ask_for_a_date_format_then_import(run_import):
    result = run_import(AMBIGUOUS)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--date-format" in result.stderr and result.stderr.startswith("Error: ")
    assert count(Response) == 0
    result = run_import(AMBIGUOUS, "--date-format", "dmy")
    assert result.exit_code == 0, result.output
    assert lines(result)[-1] == "imported 2, duplicates 0, rejected 0"


def test_map_chooses_the_score_column(run_import):
    refused = run_import(TWO_SCORES)
    assert refused.exit_code == 2 and "--map score=COLUMN" in refused.stderr
    result = run_import(TWO_SCORES, "--map", "score=Q1")
    assert result.exit_code == 0, result.output
    assert sorted(db.session.scalars(select(Response.score))) == [2, 9]


def test_map_can_name_an_unusual_email_column(run_import):
    data = csv_bytes([["Mail", "score"], ["ana@example.com", "9"]])
    assert run_import(data).exit_code == 2
    assert run_import(data, "--map", "email=Mail").exit_code == 0


@pytest.mark.parametrize(("value", "words"), [
    ("score", "FIELD=COLUMN"),
    ("=Q1", "FIELD=COLUMN"),
    ("mood=Q1", "unknown field 'mood'"),
])
def test_bad_map_syntax_exits_2(run_import, value, words):
    result = run_import(TEMPLATE, "--map", value)
    assert result.exit_code == 2
    assert words in result.stderr
    assert count(Response) == 0


def test_map_to_a_missing_column_exits_2(run_import):
    result = run_import(TEMPLATE, "--map", "score=Nope")
    assert result.exit_code == 2
    assert "'Nope'" in result.stderr and result.stdout == ""


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Error: The file is empty.\n"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Error: This is a PNG image, not a CSV file.\n"),
    (b"PK\x03\x04\x14\x00\x06\x00", "Error: This looks like an Excel/zip file; save it as CSV.\n"),
])
def test_unusable_files_exit_2_with_one_message(run_import, data, message):
    result = run_import(data)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert count(ImportRun) == 0


def test_missing_email_or_score_column_exits_2(run_import):
    result = run_import(csv_bytes([["name", "score"], ["Ana", "9"]]))
    assert result.exit_code == 2 and "email" in result.stderr
    result = run_import(csv_bytes([["email", "comment"], ["ana@example.com", "hi"]]))
    assert result.exit_code == 2 and "score" in result.stderr


def test_a_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["nps", "import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_encoding_and_delimiter_can_be_given(run_import):
    data = "email\tscore\tname\nana@example.com\t9\tHélène\n".encode("cp1252")
    result = run_import(data, "--encoding", "cp1252", "--delimiter", "tab")
    assert result.exit_code == 0, result.output
    assert lines(result)[0] == "encoding cp1252 (given), delimiter tab"
    assert db.session.scalar(select(Customer.name)) == "Hélène"
    assert run_import(data, "--encoding", "klingon").exit_code == 2


def test_timezone_applies_to_dates_without_an_offset(run_import):
    data = csv_bytes([["email", "score", "responded_at"],
                      ["ana@example.com", "9", "2026-07-01 12:00"]])
    assert run_import(data, "--timezone", "Europe/Istanbul").exit_code == 0
    stored = db.session.scalar(select(Response.responded_at))
    assert (stored.hour, stored.day) == (9, 1)


def test_a_saved_mapping_is_used_by_name(run_import):
    save_mapping("Two questions", ["email", "Q1", "Q2"], {"email": "email", "score": "Q2"}, {})
    db.session.commit()
    result = run_import(TWO_SCORES, "--mapping", "Two questions")
    assert result.exit_code == 0, result.output
    assert sorted(db.session.scalars(select(Response.score))) == [3, 10]
    missing = run_import(TWO_SCORES, "--mapping", "Other")
    assert missing.exit_code == 2 and "no saved mapping named 'Other'" in missing.stderr


def test_the_file_is_streamed_from_its_path(run_import, monkeypatch):
    sources = []
    real = import_cli.inspect_file

    def spy(source, options):
        sources.append(source)
        return real(source, options)

    monkeypatch.setattr(import_cli, "inspect_file", spy)
    assert run_import(TEMPLATE).exit_code == 0
    assert isinstance(sources[0], Path)


def test_progress_bar_only_on_a_terminal(run_import, monkeypatch):
    # Dated rows: undated ones take the import's second, so a rerun a second later is new.
    rows = [["email", "score", "responded_at"]] + [
        [f"p{i}@example.com", "9", "2026-11-02"] for i in range(30)]
    quiet = run_import(csv_bytes(rows))
    assert quiet.stderr == ""
    monkeypatch.setattr(import_cli, "_stderr_is_tty", lambda: True)
    shown = run_import(csv_bytes(rows), name="again.csv")
    assert shown.exit_code == 0 and "importing" in shown.stderr
    assert lines(shown)[-1] == "imported 0, duplicates 30, rejected 0"
