"""`nps export` and the dashboard's CSV download: columns, UTF-8, round trip, quarters."""

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import select

from ambassador.extensions import db
from ambassador.nps import export
from ambassador.nps.models import Customer, Response
from ambassador.nps.services import record_responses
from tests.conftest import utc

HEADER = ("\ufeffemail,score,responded_at,comment,name,company,external_id,touchpoint,contact_ref,"
          "language\r\n")


def _record(rows, source="import"):
    record_responses(rows, source)
    db.session.commit()


def _sample():
    _record([
        {"email": "cagla@example.com", "score": 10, "responded_at": utc(2026, 7, 3, 9, 30),
         "comment": "Çok güzel, teşekkürler! İyi iş, ışık gibi.", "name": "Çağla Öztürk",
         "company": "Işık Yazılım", "external_id": "sm-1", "touchpoint": "relational",
         "contact_ref": "CRM-001", "language": "tr"},
        {"email": "noel@example.com", "score": 6, "responded_at": utc(2026, 8, 1, 12, 0, 5, 250),
         "comment": 'Très bien, "mais" cher;\nà revoir, déçu', "name": "Noël Lefèvre",
         "company": "Société Générale d'Été", "language": "fr-FR"},
        {"email": "bare@example.com", "score": 8, "responded_at": utc(2026, 9, 30, 23, 59, 59)},
        {"email": "later@example.com", "score": 9, "responded_at": utc(2026, 10, 1)},
    ])


def _export(runner, *args):
    result = runner.invoke(args=["nps", "export", *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def _rows(data: bytes):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_export_writes_the_template_columns_in_order(runner):
    _sample()
    data = _export(runner, "--quarter", "2026-Q3")
    assert data.decode("utf-8").startswith(HEADER)
    rows = _rows(data)
    assert [r["email"] for r in rows] == ["cagla@example.com", "noel@example.com",
                                          "bare@example.com"]
    assert rows[0] == {
        "email": "cagla@example.com", "score": "10", "responded_at": "2026-07-03T09:30:00Z",
        "comment": "Çok güzel, teşekkürler! İyi iş, ışık gibi.", "name": "Çağla Öztürk",
        "company": "Işık Yazılım", "external_id": "sm-1", "touchpoint": "relational",
        "contact_ref": "CRM-001", "language": "tr"}
    assert rows[1]["comment"] == 'Très bien, "mais" cher;\nà revoir, déçu'
    assert rows[1]["responded_at"] == "2026-08-01T12:00:05.000250Z"
    assert rows[2] == {"email": "bare@example.com", "score": "8",
                       "responded_at": "2026-09-30T23:59:59Z", "comment": "", "name": "",
                       "company": "", "external_id": "", "touchpoint": "", "contact_ref": "",
                       "language": ""}


def test_export_is_utf8_with_a_bom_so_excel_reads_accents(runner):
    _sample()
    data = _export(runner, "--all")
    assert data.startswith(b"\xef\xbb\xbfemail,score,")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert "Çağla Öztürk".encode() in data and "Noël Lefèvre".encode() in data
    assert "Işık Yazılım".encode() in data and "déçu".encode() in data


def test_export_quarter_filter_default_and_all(runner):
    _sample()
    _record([{"email": "now@example.com", "score": 7}])
    assert len(_rows(_export(runner, "--quarter", "2026-q4"))) == 2
    assert [r["email"] for r in _rows(_export(runner))] == ["later@example.com",
                                                             "now@example.com"]
    assert len(_rows(_export(runner, "--all"))) == 5
    assert _export(runner, "--quarter", "2019-Q1").decode() == HEADER


@pytest.mark.parametrize("args", [["--quarter", "2026-Q0"], ["--quarter", "2026-Q1", "--all"]])
def test_export_refuses_bad_options(runner, args):
    result = runner.invoke(args=["nps", "export", *args])
    assert result.exit_code == 2
    assert not result.stdout_bytes.startswith(b"email,")


def _reload(data: bytes) -> None:
    """Empty the tables and record the exported rows again, as an import would."""
    db.session.execute(Response.__table__.delete())
    db.session.execute(Customer.__table__.delete())
    db.session.commit()
    rows = []
    for row in _rows(data):
        values = {k: v for k, v in row.items() if v != ""}
        values["score"] = int(values["score"])
        values["responded_at"] = datetime.fromisoformat(values["responded_at"])
        rows.append(values)
    _record(rows)


def test_export_round_trips_every_field(runner):
    _sample()
    first = _export(runner, "--all")
    _reload(first)
    assert _export(runner, "--all") == first
    noel = db.session.scalar(select(Response).join(Customer).where(
        Customer.email == "noel@example.com"))
    assert noel.responded_at == utc(2026, 8, 1, 12, 0, 5, 250)


def test_exported_file_reimports_through_nps_import(runner, app, tmp_path):
    # A removed `nps import` must fail here, never skip: the round trip is the point.
    assert "import" in app.cli.commands["nps"].commands, "nps import is not registered"
    _sample()
    first = _export(runner, "--all")
    path = tmp_path / "responses.csv"
    path.write_bytes(first)
    result = runner.invoke(args=["nps", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 0, duplicates 4, rejected 0" in result.output
    db.session.execute(Response.__table__.delete())
    db.session.execute(Customer.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["nps", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 4, duplicates 0, rejected 0" in result.output
    assert _export(runner, "--all") == first


def test_csv_is_produced_in_chunks_from_a_generator():
    _sample()
    rows = export.export_rows()
    assert iter(rows) is rows  # a generator, not a list
    chunks = list(export.csv_chunks(rows, chunk_rows=2))
    assert len(chunks) == 3 and chunks[0].startswith(HEADER)
    assert "".join(chunks).count("\r\n") == 5
    assert export.iso_utc(utc(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"


def test_filenames():
    assert export.filename("2026-Q4") == "responses-2026-Q4.csv"
    assert export.filename(None) == "responses-all.csv"
    assert export.filename("2026-Q4", "Société Générale", "relational") == (
        "responses-2026-Q4-societe-generale-relational.csv")


# The dashboard's download.

def test_download_gives_the_same_file_as_the_command(client, runner, make_user, login):
    _sample()
    login(make_user("marketer"))
    response = client.get("/dashboard/export.csv?quarter=2026-Q3")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="responses-2026-Q3.csv"')
    assert response.get_data() == _export(runner, "--quarter", "2026-Q3")
    everything = client.get("/dashboard/export.csv?quarter=all")
    assert 'filename="responses-all.csv"' in everything.headers["Content-Disposition"]
    assert everything.get_data() == _export(runner, "--all")


def test_download_respects_the_dashboard_filters(client, make_user, login):
    _sample()
    login(make_user("marketer"))
    response = client.get("/dashboard/export.csv?quarter=2026-Q3&company=Işık Yazılım")
    assert 'filename="responses-2026-Q3-isik-yazilim.csv"' in (
        response.headers["Content-Disposition"])
    assert [r["email"] for r in _rows(response.get_data())] == ["cagla@example.com"]
    response = client.get("/dashboard/export.csv?quarter=2026-Q3&touchpoint=relational")
    assert [r["email"] for r in _rows(response.get_data())] == ["cagla@example.com"]


def test_download_defaults_to_the_current_quarter(client, make_user, login):
    _sample()
    _record([{"email": "now@example.com", "score": 7}])
    login(make_user("marketer"))
    response = client.get("/dashboard/export.csv")
    assert response.status_code == 200
    assert "now@example.com" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["quarter=2026-Q7", "quarter=9999-Q4", "touchpoint=web",
                                   "company=a%00b"])
def test_download_refuses_bad_filters(client, make_user, login, query):
    login(make_user("marketer"))
    assert client.get("/dashboard/export.csv?" + query).status_code == 400


def test_the_dashboard_links_to_the_download(client, make_user, login):
    _sample()
    login(make_user("marketer"))
    html = client.get("/dashboard?quarter=2026-Q3").get_data(as_text=True)
    assert 'href="/dashboard/export.csv?quarter=2026-Q3"' in html


# Formula neutralising (OWASP CSV injection) and the exact round trip through our importer.

_RISKY = [
    {"email": "eq@example.com", "score": 10, "responded_at": utc(2026, 7, 1, 8),
     "comment": '=HYPERLINK("http://evil.example","click")', "name": "+Plus Sign",
     "company": "@Acme", "external_id": "-17", "contact_ref": "=A1"},
    {"email": "minus@example.com", "score": 3, "responded_at": utc(2026, 7, 2, 8),
     "comment": "- too slow\n- too dear", "name": "'Quoted'"},
    {"email": "apostrophe@example.com", "score": 9, "responded_at": utc(2026, 7, 3, 8),
     "comment": "'=1+1' is what I typed", "company": "''"},
]


def test_cells_a_spreadsheet_would_run_are_neutralised(runner):
    _record(_RISKY)
    rows = _rows(_export(runner, "--all"))
    assert rows[0]["comment"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert (rows[0]["name"], rows[0]["company"]) == ("'+Plus Sign", "'@Acme")
    assert (rows[0]["external_id"], rows[0]["contact_ref"]) == ("'-17", "'=A1")
    assert rows[1]["comment"] == "'- too slow\n- too dear"
    assert rows[2]["comment"] == "''=1+1' is what I typed"
    assert rows[0]["score"] == "10"


def test_risky_cells_survive_export_import_export_byte_for_byte(runner, tmp_path):
    _record(_RISKY)
    _sample()
    first = _export(runner, "--all")
    db.session.execute(Response.__table__.delete())
    db.session.execute(Customer.__table__.delete())
    db.session.commit()
    path = tmp_path / "responses.csv"
    path.write_bytes(first)
    result = runner.invoke(args=["nps", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 7, duplicates 0, rejected 0" in result.output
    stored = db.session.scalar(select(Response.comment).join(Customer).where(
        Customer.email == "eq@example.com"))
    assert stored == '=HYPERLINK("http://evil.example","click")'
    assert db.session.scalar(select(Customer.name).where(
        Customer.email == "minus@example.com")) == "'Quoted'"
    assert _export(runner, "--all") == first


def test_a_file_that_is_not_our_export_is_read_as_written(runner, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("Email,Score,Comment\nx@example.com,10,'=kept as typed\n", encoding="utf-8")
    result = runner.invoke(args=["nps", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Response.comment)) == "'=kept as typed"
