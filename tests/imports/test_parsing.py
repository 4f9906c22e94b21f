"""The NPS file parser: encodings, delimiters, quoting, file errors, mapping, robustness."""

import codecs

import pytest

from ambassador.imports.parsing import (
    FIELDS,
    ImportFileError,
    ParseOptions,
    inspect,
    iter_rows,
)
from tests.imports.data import TEMPLATE_ROWS, file_error, make_csv, parse

# ---------------------------------------------------------------- happy path, API shape


def test_template_file_reads_every_field():
    header = list(FIELDS)
    row = ["Ann@Example.com ", " 10 ", "2026-11-24T14:05:00+03:00", "Merci", "Ann Lee",
           "Acme", "A-1", "Transactional", "C-7", "fr"]
    info, rows = parse(make_csv([header, row]))
    assert info.mapping == {f: f for f in FIELDS}
    assert info.header_rows == 1 and info.data_rows == 1 and info.skipped == {}
    assert rows[0].line == 2 and rows[0].error is None and rows[0].skipped is None
    values = rows[0].values
    assert values["email"] == "ann@example.com" and values["score"] == 10
    assert values["responded_at"].isoformat() == "2026-11-24T11:05:00+00:00"
    assert values["touchpoint"] == "transactional"
    assert (values["comment"], values["name"], values["company"]) == ("Merci", "Ann Lee", "Acme")
    assert (values["external_id"], values["contact_ref"], values["language"]) == (
        "A-1", "C-7", "fr")


def test_values_has_every_field_and_unmapped_are_none():
    _, rows = parse(make_csv([["email", "score"], ["a@b.co", "7"]]))
    assert set(rows[0].values) == set(FIELDS)
    assert rows[0].values["responded_at"] is None and rows[0].values["comment"] is None


def test_file_info_preview_and_counts():
    rows = [["email", "score"]] + [[f"u{i}@x.io", str(i % 11)] for i in range(15)]
    info = inspect(make_csv(rows))
    assert info.data_rows == 15
    assert len(info.preview) == 10 and info.preview[0] == ["u0@x.io", "0"]
    assert info.columns == ["email", "score"]


def test_path_source_streams_the_same_as_bytes(tmp_path):
    data = make_csv(TEMPLATE_ROWS)
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    info_path, rows_path = parse(path)
    info_str, _ = parse(str(path))
    info_bytes, rows_bytes = parse(data)
    assert info_path == info_bytes == info_str
    assert rows_path == rows_bytes


def test_missing_path_is_a_file_error(tmp_path):
    assert "could not be opened" in str(file_error(tmp_path / "nope.csv"))


# ---------------------------------------------------------------- delimiters and quoting


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed(delimiter):
    info, rows = parse(make_csv(TEMPLATE_ROWS, delimiter=delimiter))
    assert info.delimiter == delimiter
    assert [r.values["score"] for r in rows] == [9, 6]


def test_semicolon_file_with_decimal_comma_scores():
    data = b"email;score;comment\r\na@x.fr;9,0;Bien\r\nb@x.fr;10,0;Super, merci\r\nc@x.fr;7;ok\r\n"
    info, rows = parse(data)
    assert info.delimiter == ";"
    assert [r.values["score"] for r in rows] == [9, 10, 7]
    assert rows[1].values["comment"] == "Super, merci"


def test_delimiter_option_overrides_sniffing():
    data = b"email;score\r\na@x.fr;9\r\n"
    assert inspect(data, ParseOptions(delimiter=";")).delimiter == ";"
    assert inspect(make_csv(TEMPLATE_ROWS, "\t"), ParseOptions(delimiter="tab")).delimiter == "\t"
    assert "delimiter" in str(file_error(data, delimiter="ab"))


def test_line_breaks_inside_quoted_cells_do_not_advance_line_numbers():
    data = (b'email,score,comment\r\n'
            b'a@x.io,9,"first line\r\nsecond line\nthird"\r\n'
            b'b@x.io,11,"x"\r\n')
    info, rows = parse(data)
    assert rows[0].values["comment"] == "first line\r\nsecond line\nthird"
    assert [r.line for r in rows] == [2, 3]
    assert rows[1].error == "score 11 is outside 0-10"


def test_quoted_delimiters_and_doubled_quotes():
    data = b'email,score,comment\na@x.io,8,"He said ""fine"", then left"\n'
    _, rows = parse(data)
    assert rows[0].values["comment"] == 'He said "fine", then left'


def test_blank_rows_are_ignored_but_counted():
    data = b"email,score\n\na@x.io,9\n,\n  ,  \nb@x.io,8\n"
    info, rows = parse(data)
    assert info.data_rows == 2
    assert [(r.line, r.values["email"]) for r in rows] == [(3, "a@x.io"), (6, "b@x.io")]


def test_header_names_are_trimmed_and_case_insensitive():
    data = b"  EMAIL , Score ,Responded_At\na@x.io,9,2026-01-02\n"
    info, rows = parse(data)
    assert info.columns == ["EMAIL", "Score", "Responded_At"]
    assert info.mapping["email"] == "EMAIL" and info.mapping["responded_at"] == "Responded_At"
    assert rows[0].values["score"] == 9


def test_lone_carriage_return_line_endings():
    _, rows = parse(make_csv(TEMPLATE_ROWS, newline="\r"))
    assert [r.line for r in rows] == [2, 3]


# ---------------------------------------------------------------- unusable files


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", codecs.BOM_UTF8, b"\n,,\n"])
def test_empty_file(data):
    assert str(file_error(data)) == "The file is empty."


@pytest.mark.parametrize("data,expected", [
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "This looks like an Excel/zip file; save it"
     " as CSV."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is a PNG image, not a CSV file."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "This looks like an old Excel (.xls)"
     " file; save it as CSV."),
    (b"email,score\n\x00\x01\x02garbage\x00\x07\x00\x00\x00\x00", "This file contains binary"
     " data, not CSV text."),
])
def test_binary_files_are_refused(data, expected):
    assert str(file_error(data)) == expected


def test_only_a_header_row():
    assert str(file_error(b"email,score\r\n")) == "The file has a header row but no data rows."
    assert "no data rows" in str(file_error(b"email,score\r\n\r\n,\r\n"))


def test_hello_world_is_not_tabular():
    message = str(file_error(b"hello world"))
    assert "doesn't look like a CSV table" in message


def test_no_email_column():
    error = file_error(b"name,score\nAnn,9\n")
    assert str(error).startswith("No email column found")
    assert error.candidates == [] and error.needs_date_format is False


def test_no_score_column():
    assert str(file_error(b"email,comment\na@x.io,hello\n")).startswith("No score column found")


def test_mapping_to_a_missing_column_or_unknown_field():
    data = make_csv(TEMPLATE_ROWS)
    assert "'Courriel' that is not in the file" in str(file_error(data, mapping={
        "email": "Courriel"}))
    assert "unknown field 'mail'" in str(file_error(data, mapping={"mail": "email"}))


def test_file_error_is_one_sentence():
    for data in (b"", b"hello world", b"name,score\nAnn,9\n", b"email,score\n"):
        message = str(file_error(data))
        assert message.endswith(".") and "\n" not in message


# ---------------------------------------------------------------- mapping


def test_mapping_overrides_aliases():
    data = make_csv([["email", "Work email", "score", "NPS"], ["a@x.io", "w@x.io", "3", "9"]])
    info, rows = parse(data, mapping={"email": "Work email", "score": "NPS"})
    assert info.mapping["email"] == "Work email" and info.mapping["score"] == "NPS"
    assert (rows[0].values["email"], rows[0].values["score"]) == ("w@x.io", 9)


def test_mapping_matches_columns_case_insensitively_and_can_unmap():
    data = make_csv(TEMPLATE_ROWS)
    info, rows = parse(data, mapping={"email": " EMAIL ", "comment": ""})
    assert info.mapping["email"] == "email" and info.mapping["comment"] is None
    assert rows[0].values["comment"] is None


def test_file_info_mapping_round_trips_as_options():
    data = make_csv([["Email Address", "RecipientFirstName", "RecipientLastName", "Q1"],
                     ["a@x.io", "Ann", "Lee", "9"]])
    info = inspect(data)
    again, rows = parse(data, mapping=info.mapping)
    assert again.mapping == info.mapping and rows[0].values["name"] == "Ann Lee"


@pytest.mark.parametrize("field,header", [
    ("email", "Email Address"), ("email", "RecipientEmail"), ("email", "Recipient Email"),
    ("email", "E-mail"), ("email", "Email"), ("email", "E-posta"), ("email", "Adresse e-mail"),
    ("email", "Courriel"),
    ("responded_at", "Timestamp"), ("responded_at", "Submit Date (UTC)"),
    ("responded_at", "RecordedDate"), ("responded_at", "Recorded Date"),
    ("responded_at", "End Date"), ("responded_at", "EndDate"), ("responded_at", "Date"),
    ("responded_at", "Horodateur"), ("responded_at", "Zaman damgası"),
    ("external_id", "#"), ("external_id", "ResponseId"), ("external_id", "Response ID"),
    ("external_id", "Respondent ID"),
    ("name", "Name"), ("name", "Full Name"), ("name", "Nom"), ("name", "Ad Soyad"),
    ("company", "Company"), ("company", "Account"), ("company", "Société"),
    ("company", "Entreprise"), ("company", "Şirket"),
    ("comment", "Comment"), ("comment", "Comments"), ("comment", "Commentaire"),
    ("comment", "Yorum"),
    ("language", "Language"), ("language", "UserLanguage"), ("language", "Langue"),
    ("language", "Dil"),
    ("score", "score"), ("score", "Score"), ("score", "NPS"), ("score", "Note"),
    ("score", "Puan"),
])
def test_header_aliases(field, header):
    columns = {"email": "email", "score": "score"}
    columns[field] = header
    cells = {"email": "a@x.io", "score": "9", "responded_at": "2026-01-02",
             "external_id": "R_1", "name": "Ann", "company": "Acme", "comment": "ok",
             "language": "EN"}
    names = list(dict.fromkeys(columns.values()))
    data = make_csv([names, [cells[f] for f in dict.fromkeys(columns)]])
    info = inspect(data)
    assert info.mapping[field] == header
    upper = inspect(data.replace(header.encode(), f"  {header.upper()} ".encode(), 1))
    assert upper.mapping[field] == header.upper()


def test_alias_prefers_template_name_then_first():
    data = make_csv([["E-mail", "email", "Courriel", "score"], ["a@x.io", "b@x.io", "c@x.io", "1"]])
    assert inspect(data).mapping["email"] == "email"
    data = make_csv([["Courriel", "E-mail", "score"], ["a@x.io", "b@x.io", "1"]])
    assert inspect(data).mapping["email"] == "Courriel"


def test_first_and_last_name_are_joined():
    data = make_csv([["RecipientEmail", "RecipientFirstName", "RecipientLastName", "score"],
                     ["a@x.io", "Ann", "Lee", "9"], ["b@x.io", "", "Solo", "9"],
                     ["c@x.io", "", "", "9"]])
    info, rows = parse(data)
    assert info.mapping["name"] is None and info.name_parts == (
        "RecipientFirstName", "RecipientLastName")
    assert [r.values["name"] for r in rows] == ["Ann Lee", "Solo", None]


@pytest.mark.parametrize("first,last", [("Prénom", "Nom"), ("Ad", "Soyad"),
                                        ("First Name", "Last Name")])
def test_localised_first_and_last_name_columns_are_joined(first, last):
    data = make_csv([["Courriel", first, last, "Note"], ["a@x.fr", "Léa", "Noël", "9"]])
    info, rows = parse(data)
    assert info.mapping["name"] is None and info.name_parts == (first, last)
    assert rows[0].values["name"] == "Léa Noël"


def test_nom_alone_is_the_name():
    info, rows = parse(make_csv([["Courriel", "Nom", "Note"], ["a@x.fr", "Léa Noël", "9"]]))
    assert info.mapping["name"] == "Nom" and info.name_parts is None


def test_name_column_wins_over_first_and_last():
    data = make_csv([["email", "Name", "RecipientFirstName", "RecipientLastName", "score"],
                     ["a@x.io", "Full", "Ann", "Lee", "9"]])
    info, rows = parse(data)
    assert info.name_parts is None and rows[0].values["name"] == "Full"


# ---------------------------------------------------------------- robustness


def test_duplicate_header_names_are_made_unique():
    data = b"email,score,Comment,comment,Comment\na@x.io,9,one,two,three\n"
    info, rows = parse(data)
    assert info.columns == ["email", "score", "Comment", "comment (2)", "Comment (3)"]
    assert info.mapping["comment"] == "Comment"
    assert rows[0].values["comment"] == "one"
    _, rows = parse(data, mapping={"comment": "Comment (3)"})
    assert rows[0].values["comment"] == "three"


def test_empty_header_cells_get_names():
    info = inspect(b"email,,score,\na@x.io,x,9,y\n")
    assert info.columns == ["email", "Column 2", "score", "Column 4"]


def test_short_and_long_rows():
    data = b"email,score,comment,name\na@x.io,9\nb@x.io,8,ok,Bob,extra,more\n"
    info, rows = parse(data)
    assert rows[0].values["comment"] is None and rows[0].values["name"] is None
    assert rows[1].values["name"] == "Bob"
    assert info.preview == [["a@x.io", "9", "", ""], ["b@x.io", "8", "ok", "Bob"]]


def test_short_row_missing_the_score_is_a_row_error():
    _, rows = parse(b"comment,email,score\nhi,a@x.io\nhey,b@x.io,9\n")
    assert rows[0].error == "score is missing" and rows[1].error is None


def test_script_tags_are_kept_as_text():
    _, rows = parse(make_csv([["email", "score", "comment"],
                              ["a@x.io", "9", "<script>alert(1)</script>"]]))
    assert rows[0].values["comment"] == "<script>alert(1)</script>"


def test_long_cells_up_to_the_limit_and_unmatched_quotes():
    long_comment = "x" * 200_000
    _, rows = parse(make_csv([["email", "score", "comment"], ["a@x.io", "9", long_comment]]))
    assert rows[0].error.startswith("comment is too long (200,000 characters, max 10,000)")
    runaway = b'email,score,comment\na@x.io,9,"never closed\n' + b"y" * (1_100_000) + b"\n"
    assert "unmatched quote" in str(file_error(runaway))


def test_email_column_all_empty():
    _, rows = parse(b"email,score\n,9\n  ,10\n")
    assert [r.error for r in rows] == ["email is missing", "email is missing"]


def test_row_errors_are_joined():
    _, rows = parse(b"email,score\nbob@,11\n")
    assert rows[0].values is None
    assert rows[0].error == "invalid email 'bob@'; score 11 is outside 0-10"


def test_iter_rows_notices_a_changed_file():
    info = inspect(make_csv(TEMPLATE_ROWS))
    other = make_csv([["email", "score"], ["a@x.io", "9"]])
    with pytest.raises(ImportFileError):
        list(iter_rows(other, info))


def test_iter_rows_is_lazy(tmp_path):
    rows = [["email", "score"]] + [[f"u{i}@x.io", "9"] for i in range(5000)]
    path = tmp_path / "big.csv"
    path.write_bytes(make_csv(rows))
    info = inspect(path)
    iterator = iter_rows(path, info)
    first = next(iterator)
    assert first.line == 2
    iterator.close()


def test_iter_rows_checks_its_options_at_once():
    data = make_csv(TEMPLATE_ROWS)
    info = inspect(data)
    with pytest.raises(ImportFileError, match="Unknown time zone"):
        iter_rows(data, info, ParseOptions(timezone="Nowhere/Else"))
    with pytest.raises(ImportFileError, match="not in the file"):
        iter_rows(data, info, ParseOptions(mapping={"comment": "Remarks"}))
    with pytest.raises(TypeError):
        iter_rows(12, info)


def test_iter_rows_mapping_can_unmap_the_joined_name():
    data = make_csv([["email", "RecipientFirstName", "RecipientLastName", "score"],
                     ["a@x.io", "Ann", "Lee", "9"]])
    info = inspect(data)
    rows = list(iter_rows(data, info, ParseOptions(mapping={"name": ""})))
    assert rows[0].values["name"] is None
    rows = list(iter_rows(data, info, ParseOptions(mapping={"name": "RecipientLastName"})))
    assert rows[0].values["name"] == "Lee"


def test_turkish_date_headers_are_aliases():
    data = make_csv([["E-posta", "Puan", "Tarih"], ["a@x.io", "9", "2026-11-24"]])
    info = inspect(data)
    assert info.mapping["responded_at"] == "Tarih"


def test_language_longer_than_the_column_is_a_row_error():
    data = make_csv([["email", "score", "language"], ["a@x.io", "9", "x" * 36],
                     ["b@x.io", "9", "tr-TR"]])
    _info, rows = parse(data)
    assert rows[0].values is None and "language" in rows[0].error
    assert rows[1].values["language"] == "tr-TR"
