"""Files and options built to break the importer: clear errors, never a 500 or a hang."""

import pytest
from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.imports.models import ImportMapping, ImportRun
from ambassador.imports.parsing import ImportFileError, ParseOptions, inspect
from ambassador.imports.parsing.base import MAX_COLUMNS
from ambassador.imports.parsing.table import unique
from ambassador.nps.models import Response
from tests.imports.data import TEMPLATE, csv_bytes, q_row, qualtrics
from tests.imports.pages import form_values, preview_of, upload


def _wide(columns: int, name="x") -> bytes:
    header = ["email", "score"] + [name] * (columns - 2)
    row = ["a@example.com", "9"] + [""] * (columns - 2)
    return csv_bytes([header, row])


def test_duplicate_header_names_are_made_unique_in_linear_time():
    names = unique(["x"] * 20_000)   # was quadratic: 30 s for this
    assert len(set(names)) == 20_000 and names[:3] == ["x", "x (2)", "x (3)"]
    assert unique(["x", "x", "X", "x (2)", ""]) == ["x", "x (2)", "X (3)", "x (2) (2)",
                                                    "Column 5"]


def test_a_file_with_too_many_columns_is_refused_clearly():
    with pytest.raises(ImportFileError, match="20,000 columns; at most 2,000"):
        inspect(_wide(20_000))
    assert inspect(_wide(MAX_COLUMNS)).columns[-1] == f"x ({MAX_COLUMNS - 2})"


def test_the_web_import_refuses_a_20000_column_file(client, marketer):
    response = upload(client, _wide(20_000))
    if response.status_code == 303:
        response = client.get(response.headers["Location"])
    assert response.status_code == 400
    assert "at most 2,000" in response.get_data(as_text=True)


def test_the_preview_shows_a_bounded_number_of_columns(client, marketer):
    _url, html = preview_of(client, _wide(MAX_COLUMNS, name="extra"))
    table = html.split('class="table import-preview"')[1].split("</table>")[0]
    assert table.count("</th>") == 40
    assert "Showing 40 of 2,000 columns" in html
    assert len(html) < 2_500_000   # the drop-downs list every column; the table does not


@pytest.mark.parametrize("options, message", [
    ({"encoding": "utf\x00-8"}, "Unknown encoding 'utf\\x00-8'"),
    ({"timezone": "America"}, "Unknown time zone 'America'"),
    ({"timezone": "Europe/"}, "Unknown time zone 'Europe/'"),
])
def test_odd_option_values_are_clear_file_errors(options, message):
    with pytest.raises(ImportFileError) as error:
        inspect(TEMPLATE, ParseOptions(**options))
    assert message in str(error.value)


def test_a_qualtrics_file_naming_a_tzdata_folder_is_read_in_utc():
    info = inspect(qualtrics(q_row(), zone="America"))
    assert info.timezone is None


def test_the_command_line_refuses_a_folder_as_time_zone(runner, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(TEMPLATE)
    result = runner.invoke(args=["nps", "import", str(path), "--timezone", "America"])
    assert result.exit_code == 2 and "Unknown time zone 'America'" in result.stderr
    result = runner.invoke(args=["nps", "import", str(path), "--encoding", "utf\x00"])
    assert result.exit_code == 2 and "U+0000" in result.output


def test_the_web_form_refuses_an_encoding_with_a_nul(client, marketer):
    url, html = preview_of(client, TEMPLATE)
    response = client.post(url, data=form_values(html, action="preview", encoding="utf\x00"))
    assert response.status_code == 400
    assert "control character (U+0000)" in response.get_data(as_text=True)


@pytest.mark.parametrize("saved", ["99999999999999999999", "2147483648", "-1", "１", "x"])
def test_a_saved_mapping_id_out_of_range_is_ignored(client, marketer, saved):
    url, html = preview_of(client, TEMPLATE)
    db.session.add(ImportMapping(name="Ours", header_signature="s", mapping={}, options={}))
    db.session.commit()
    response = client.post(url, data=form_values(html, action="use_mapping", saved=saved))
    assert response.status_code == 200
    assert "Preview" in response.get_data(as_text=True)


@pytest.mark.parametrize("when, reason", [
    ("0001-01-01", "date '0001-01-01' is before 2000"),
    ("1999-12-31T23:59:59Z", "date '1999-12-31T23:59:59Z' is before 2000"),
    ("2999-01-01", "date '2999-01-01' is in the future"),
])
def test_the_importer_accepts_dates_from_2000_to_one_day_ahead(runner, tmp_path, when, reason):
    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes([["email", "score", "responded_at"],
                                ["old@example.com", "9", when],
                                ["ok@example.com", "9", "2000-01-01"]]))
    result = runner.invoke(args=["nps", "import", str(path)])
    assert result.exit_code == 3, result.output
    assert f"line 2: {reason}" in result.stdout
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 1
