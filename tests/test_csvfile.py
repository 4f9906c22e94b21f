"""The one CSV writer: BOM, formula neutralising (OWASP), numbers kept, exact inverse."""

import csv
import io
from decimal import Decimal

import pytest

from ambassador import csvfile


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("value, written", [
    ("=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK(\"http://evil.example\",\"x\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("\uff1d1+1", "'\uff1d1+1"),          # full-width equals sign
    ("'tis great", "''tis great"),        # our escape character itself: kept reversible
    ("Hélène says = fine", "Hélène says = fine"),
    ("", ""),
    ("'", "''"),
])
def test_text_that_could_run_as_a_formula_gets_an_apostrophe(value, written):
    assert csvfile.neutralise(value) == written
    assert csvfile.restore(written) == value


@pytest.mark.parametrize("cell", ["'hello", "'", "plain", "'1", "' =1", "-"])
def test_restore_leaves_text_we_would_not_have_written_alone(cell):
    assert csvfile.restore(cell) == cell


def test_numbers_stay_numbers_and_text_that_looks_negative_does_not():
    data = csvfile.csv_bytes(["label", "amount", "ratio", "money"],
                             [["-5", -5, -0.25, Decimal("-12.50")], [None, 0, True, ""]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert _cells(data) == [["label", "amount", "ratio", "money"],
                            ["'-5", "-5", "-0.25", "-12.50"],
                            ["", "0", "true", ""]]


def test_the_file_starts_with_one_bom_and_uses_crlf_lines():
    chunks = list(csvfile.csv_chunks(["name"], [["Şükrü"], ["Hélène"], ["x"]], chunk_rows=2))
    assert len(chunks) == 2
    text = "".join(chunks)
    assert text == "\ufeffname\r\nŞükrü\r\nHélène\r\nx\r\n"


def test_download_is_a_streamed_attachment_with_a_safe_name(app):
    with app.test_request_context():
        response = csvfile.csv_download('résumé "2026"\r\n.csv', ["a"], [["=1"]])
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="resume-2026-.csv"')
        assert response.is_streamed
        assert response.get_data() == b"\xef\xbb\xbfa\r\n'=1\r\n"


def test_every_export_goes_through_the_one_writer():
    """No module but csvfile builds a csv.writer: a new export cannot skip the neutralising."""
    from pathlib import Path

    import ambassador

    package = Path(ambassador.__file__).parent
    writers = [str(path.relative_to(package)) for path in package.rglob("*.py")
               if "csv.writer(" in path.read_text(encoding="utf-8")
               or "DictWriter(" in path.read_text(encoding="utf-8")]
    assert writers == ["csvfile.py"]
