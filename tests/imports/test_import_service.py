"""The import service: reading files into responses, dry runs, runs, saved mappings."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.imports import importer
from ambassador.imports.importer import (
    ImportFileError,
    ParseOptions,
    header_signature,
    import_file,
    inspect_file,
    mappings_for,
    options_from_mapping,
    record_run,
    save_mapping,
)
from ambassador.imports.models import ImportMapping, ImportRun
from ambassador.nps.models import Customer, Response
from ambassador.utils import ServiceError
from tests.conftest import utc
from tests.imports import data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_template_file_is_imported_with_every_field():
    report = import_file(data.TEMPLATE)
    db.session.commit()
    assert (report.imported, report.duplicates, report.rejected) == (3, 0, 0)
    assert report.summary == "imported 3, duplicates 0, rejected 0"
    ana = db.session.scalar(select(Response).join(Customer).where(
        Customer.email == "ana@example.com"))
    assert ana.comment == "Très bien, merci" and ana.touchpoint == "relational"
    assert ana.responded_at == utc(2026, 1, 5, 10)
    assert (ana.customer.name, ana.customer.company, ana.customer.language) == (
        "Ana López", "Acme", "fr")
    bob = db.session.scalar(select(Customer).where(Customer.email == "bob@example.com"))
    assert bob.latest_score == 6
    carl = db.session.scalar(select(Response).where(Response.external_id == "R_3"))
    assert carl.score == 8 and carl.source == "import"


def test_importing_the_same_file_again_adds_nothing():
    import_file(data.TEMPLATE)
    db.session.commit()
    again = import_file(data.TEMPLATE)
    db.session.commit()
    assert (again.imported, again.duplicates, again.rejected) == (0, 3, 0)
    assert count(Response) == 3


def test_rejected_rows_are_reported_by_line_and_the_rest_imported():
    seen = []
    report = import_file(data.WITH_ERRORS, on_reject=lambda line, reason: seen.append(line))
    db.session.commit()
    assert (report.imported, report.rejected) == (2, 2)
    assert [line for line, _ in report.errors] == [3, 4] == seen
    assert "not-an-email" in report.errors[0][1]
    assert "11" in report.errors[1][1]
    assert count(Response) == 2


def test_dry_run_counts_like_an_import_and_writes_nothing():
    import_file(data.csv_bytes([["email", "score", "responded_at"],
                           ["ana@example.com", "10", "2026-01-05"]]))
    db.session.commit()
    file = data.csv_bytes([
        ["email", "score", "responded_at"],
        ["ana@example.com", "10", "2026-01-05"],      # already imported
        ["bob@example.com", "9", "2026-01-05"],
        ["bob@example.com", "9", "2026-01-05"],       # twice in the file
        ["carl@example.com", "x", "2026-01-05"],
    ])
    dry = import_file(file, dry_run=True)
    db.session.rollback()
    assert (dry.imported, dry.duplicates, dry.rejected) == (1, 2, 1)
    assert (count(Response), count(Customer)) == (1, 1)
    real = import_file(file)
    db.session.commit()
    assert (real.imported, real.duplicates, real.rejected) == (1, 2, 1)


def test_rows_without_a_date_are_stamped_with_the_import_time():
    before = datetime.now(UTC)
    import_file(data.csv_bytes([["email", "score"], ["ana@example.com", "9"]]))
    db.session.commit()
    response = db.session.scalar(select(Response))
    assert before - timedelta(seconds=1) <= response.responded_at <= datetime.now(UTC)


def test_windows_1254_turkish_file_keeps_names_and_reads_decimal_scores():
    report = import_file(data.TURKISH)
    db.session.commit()
    assert (report.info.encoding, report.info.delimiter) == ("cp1254", ";")
    assert report.imported == 3
    sukru = db.session.scalar(select(Customer).where(Customer.email == "sukru@example.com"))
    assert (sukru.name, sukru.latest_score) == ("Şükrü Yılmaz", 9)
    comment = db.session.scalar(select(Response.comment).where(Response.customer_id == sukru.id))
    assert comment == "Çok iyi, teşekkürler"


def test_qualtrics_export_skips_previews_and_unfinished_and_converts_its_zone():
    report = import_file(data.QUALTRICS)
    db.session.commit()
    assert report.skipped == {"survey preview": 1, "unfinished": 1}
    assert (report.imported, report.rejected) == (2, 0)
    dana = db.session.scalar(select(Response).where(Response.external_id == "R_1aaa"))
    assert dana.customer.name == "Dana Smith"
    assert dana.responded_at == utc(2026, 3, 1, 17, 2)  # 10:02 in Denver (UTC-7)


def test_surveymonkey_export_reads_its_two_header_rows():
    report = import_file(data.SURVEYMONKEY)
    db.session.commit()
    assert report.info.header_rows == 2 and report.imported == 2
    gina = db.session.scalar(select(Response).where(Response.external_id == "11450001"))
    assert (gina.score, gina.responded_at) == (10, utc(2026, 11, 24, 10, 3))


def test_ambiguous_dates_need_a_date_order():
    with pytest.raises(ImportFileError) as exc:
        inspect_file(data.AMBIGUOUS)
    assert exc.value.needs_date_format
    report = import_file(data.AMBIGUOUS, ParseOptions(date_format="dmy"))
    db.session.commit()
    ivy = db.session.scalar(select(Response).join(Customer).where(
        Customer.email == "ivy@example.com"))
    assert report.imported == 2 and ivy.responded_at == utc(2026, 4, 3)


def test_several_score_columns_need_a_choice():
    with pytest.raises(ImportFileError) as exc:
        inspect_file(data.TWO_SCORES)
    assert exc.value.candidates == ["Q1", "Q2"]
    report = import_file(data.TWO_SCORES, ParseOptions(mapping={"score": "Q2"}))
    db.session.commit()
    assert report.imported == 2
    assert sorted(db.session.scalars(select(Response.score))) == [3, 10]


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG"),
    (data.NO_EMAIL, "email"),
    (data.NO_SCORE, "score"),
    (b"email,score\n", "no data rows"),
])
def test_an_unusable_file_is_refused_and_nothing_is_written(data, words):
    with pytest.raises(ImportFileError) as exc:
        import_file(data)
    assert words in str(exc.value)
    assert (count(Response), count(Customer)) == (0, 0)


def test_batches_commit_and_report_progress(tmp_path):
    path = tmp_path / "big.csv"
    rows = [["email", "score", "responded_at"]] + [
        [f"p{i}@example.com", str(i % 11), f"2026-01-{1 + i % 28:02d}"] for i in range(2500)]
    path.write_bytes(data.csv_bytes(rows))
    progress = []
    report = import_file(path, commit_every=1000, on_progress=progress.append)
    db.session.rollback()  # what was committed in batches stays
    assert report.imported == 2500 and sum(progress) == report.info.data_rows == 2500
    assert count(Response) >= 2000


def test_run_keeps_exact_counts_and_caps_the_stored_errors(monkeypatch):
    monkeypatch.setattr(importer, "MAX_STORED_ERRORS", 2)
    rows = [["email", "score"]] + [[f"p{i}@example.com", "99"] for i in range(5)]
    seen = []
    report = import_file(data.csv_bytes(rows), on_reject=lambda line, reason: seen.append(line))
    run = record_run(report, "scores.csv", None)
    db.session.commit()
    stored = db.session.get(ImportRun, run.id)
    assert (stored.rejected, stored.imported, stored.filename) == (5, 0, "scores.csv")
    assert stored.errors == [[2, "score 99 is outside 0-10"], [3, "score 99 is outside 0-10"]]
    assert seen == [2, 3, 4, 5, 6]
    assert (stored.encoding, stored.delimiter, stored.dry_run) == ("utf-8", ",", False)


def test_header_signature_ignores_case_and_spacing():
    assert header_signature(["Email", "Score "]) == header_signature(["email", "score"])
    assert header_signature(["email", "score"]) != header_signature(["score", "email"])
    assert len(header_signature(["email"])) == 64


def test_saved_mappings_are_found_by_their_columns_and_replaced_by_name():
    columns = ["email", "Q1", "Q2"]
    save_mapping("Survey", columns, {"email": "email", "score": "Q2"}, {"date_format": "dmy"})
    db.session.commit()
    [saved] = mappings_for(["Email", "q1", "Q2"])
    assert saved.mapping["score"] == "Q2" and saved.mapping["comment"] == ""
    assert saved.options == {"date_format": "dmy"}
    assert mappings_for(["email", "score"]) == []
    save_mapping("Survey", columns, {"email": "email", "score": "Q1"}, {})
    db.session.commit()
    assert count(ImportMapping) == 1 and mappings_for(columns)[0].mapping["score"] == "Q1"
    options = options_from_mapping(saved, mapping={"score": "Q2"}, encoding="cp1252")
    assert options.mapping["score"] == "Q2" and options.encoding == "cp1252"


def test_a_mapping_needs_a_name():
    with pytest.raises(ServiceError):
        save_mapping("  ", ["email"], {}, {})


def test_small_batches_give_the_same_outcome(monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 2)
    file = data.csv_bytes([
        ["email", "score", "responded_at", "touchpoint"],
        ["ana@example.com", "10", "2026-01-05", "relational"],
        ["bob@example.com", "6", "2026-01-06", ""],
        ["ana@example.com", "3", "2026-03-01", "transactional"],   # her latest answer
        ["ana@example.com", "10", "2026-01-05", "relational"],     # duplicate, next batch
        ["ana@example.com", "9", "2026-02-01", ""],
    ])
    dry = import_file(file, dry_run=True)
    db.session.rollback()
    report = import_file(file)
    db.session.commit()
    assert (dry.imported, dry.duplicates) == (report.imported, report.duplicates) == (4, 1)
    ana = db.session.scalar(select(Customer).where(Customer.email == "ana@example.com"))
    assert (ana.latest_score, ana.status) == (3, "lapsed")
