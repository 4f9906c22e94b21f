"""Import pages: upload, preview and mapping, import, result; bad files; permissions."""

import re

import pytest
from sqlalchemy import select

from ambassador.extensions import db
from ambassador.imports.models import ImportMapping, ImportRun, ImportUpload
from ambassador.nps.models import Response
from tests.imports.data import (
    AMBIGUOUS,
    QUALTRICS,
    TEMPLATE,
    TURKISH,
    TWO_SCORES,
    WITH_ERRORS,
    csv_bytes,
)
from tests.imports.pages import count, form_values, preview_of, submit, upload


def test_upload_page_shows_the_form_and_recent_imports(client, marketer):
    db.session.add(ImportRun(filename="march<b>.csv", imported=12, duplicates=3, rejected=1))
    db.session.commit()
    page = client.get("/import/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'type="file"' in html and "Recent imports" in html
    assert "march&lt;b&gt;.csv" in html and ">12<" in html


def test_upload_preview_import_result(client, marketer):
    url, html = preview_of(client, TEMPLATE)
    assert count(ImportUpload) == 1
    assert "utf-8" in html and "comma" in html and "unambiguous (ISO)" in html
    assert "Très bien, merci" in html and "Import 3 rows" in html
    values = form_values(html)
    assert values["map_email"] == "email" and values["map_score"] == "score"
    assert values["map_external_id"] == "external_id"
    done = submit(client, url, html)
    assert done.status_code == 303 and "/import/runs/" in done.headers["Location"]
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert re.search(r">3</span><span>imported", result)
    assert count(Response) == 3 and count(ImportUpload) == 0
    run = db.session.scalar(select(ImportRun))
    assert run.user_id == marketer.id and run.filename == "responses.csv"


def test_the_preview_warns_of_rows_with_cells_beyond_the_header(client, marketer):
    shifted = (b'email,score,name\n'
               b'ana@example.com,9,Ana\n'
               b'bob@example.com,10,"Bob ""the builder",click)",\n'
               b'cem@example.com,8,Cem,,  \n'
               b'dan@example.com,7,Dan,extra,more\n')
    _url, html = preview_of(client, shifted, "shifted.csv")
    assert ("2 rows have more filled cells than the header has columns (the first on line 3)"
            in html)
    assert 'If a quote (") is misplaced in such a row' in html
    _url, clean = preview_of(client, TEMPLATE)
    assert "more filled cells" not in clean  # empty trailing cells are no warning


def test_result_lists_every_rejected_row(client, marketer):
    url, html = preview_of(client, WITH_ERRORS)
    result = client.get(submit(client, url, html).headers["Location"])
    text = result.get_data(as_text=True)
    assert "<td class=\"num\">3</td><td>invalid email &#39;not-an-email&#39;</td>" in text
    assert "<td class=\"num\">4</td><td>score 11 is outside 0-10</td>" in text
    assert count(Response) == 2


def test_double_submit_imports_nothing_new(client, marketer):
    url, html = preview_of(client, TEMPLATE)
    assert submit(client, url, html).status_code == 303
    again = submit(client, url, html)
    assert again.status_code == 303 and again.headers["Location"].endswith("/import/")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "already imported" in page
    assert count(Response) == 3 and count(ImportRun) == 1
    url, html = preview_of(client, TEMPLATE)
    result = client.get(submit(client, url, html).headers["Location"]).get_data(as_text=True)
    assert re.search(r">0</span><span>imported", result)
    assert re.search(r">3</span><span>duplicates", result)


def test_choosing_the_score_column(client, marketer):
    url, html = preview_of(client, TWO_SCORES)
    assert "Several columns could hold the 0–10 score: Q1, Q2" in html
    assert form_values(html)["map_score"] == ""
    refused = submit(client, url, html)
    assert refused.status_code == 400 and count(Response) == 0
    again = submit(client, url, html, action="preview", map_score="Q2")
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and form_values(html)["map_score"] == "Q2"
    assert "Several columns" not in html
    assert submit(client, url, html).status_code == 303
    assert sorted(db.session.scalars(select(Response.score))) == [3, 10]


def test_changing_the_mapping_unmaps_a_field(client, marketer):
    url, html = preview_of(client, TEMPLATE)
    assert submit(client, url, html, map_comment="").status_code == 303
    assert set(db.session.scalars(select(Response.comment))) == {None}


def test_ambiguous_dates_ask_for_the_date_order(client, marketer):
    url, html = preview_of(client, AMBIGUOUS)
    assert "Choose day first or month first." in html
    assert "date_format" not in form_values(html)
    refused = submit(client, url, html)
    assert refused.status_code == 400 and "--date-format" not in refused.get_data(as_text=True)
    assert "day-first or month-first" in refused.get_data(as_text=True)
    assert submit(client, url, html, date_format="dmy").status_code == 303
    dates = sorted(db.session.scalars(select(Response.responded_at)))
    assert [(d.day, d.month) for d in dates] == [(3, 4), (5, 6)]


def test_changing_encoding_and_delimiter_rerenders_the_preview(client, marketer):
    url, html = preview_of(client, TURKISH)
    assert "cp1254" in html and "Şükrü Yılmaz" in html and "semicolon" in html
    page = submit(client, url, html, action="preview", encoding="cp1252")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Şükrü" not in text
    assert form_values(text)["encoding"] == "cp1252"
    page = submit(client, url, html, action="preview", delimiter="comma")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    # Read with commas the file has no email column: the page says so and detects again.
    assert "No email column found" in text
    assert "Encoding and delimiter were detected again." in text
    assert "delimiter <strong>semicolon</strong>" in text


def test_a_chosen_delimiter_is_used_for_the_import(client, marketer):
    url, html = preview_of(client, TURKISH)
    page = submit(client, url, html, action="preview", delimiter="semicolon")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "were detected again" not in text
    assert form_values(text)["delimiter"] == "semicolon"
    assert "delimiter <strong>semicolon</strong>" in text
    assert submit(client, url, text).status_code == 303
    run = db.session.scalar(select(ImportRun))
    assert (run.delimiter, run.imported, run.rejected) == (";", 3, 0)
    stored = sorted(db.session.execute(select(Response.score, Response.comment)).all())
    assert stored == [(6, "Pahalı"), (9, "Çok iyi, teşekkürler"), (10, "Harika")]


def test_saved_mapping_is_offered_for_the_same_columns(client, marketer):
    url, html = preview_of(client, TWO_SCORES)
    done = submit(client, url, html, map_score="Q2", date_format="", save_as="Two questions")
    assert done.status_code == 303
    saved = db.session.scalar(select(ImportMapping))
    assert saved.name == "Two questions" and saved.mapping["score"] == "Q2"
    other = csv_bytes([["Email", "q1", "Q2"], ["max@example.com", "1", "9"]])
    url, html = preview_of(client, other, "april.csv")
    assert "Using the saved mapping “Two questions”" in html
    values = form_values(html)
    assert values["map_score"] == "Q2" and values["saved"] == str(saved.id)
    detect = submit(client, url, html, action="use_mapping", saved="")
    assert form_values(detect.get_data(as_text=True))["map_score"] == ""
    again = submit(client, url, html, action="use_mapping", saved=str(saved.id))
    assert form_values(again.get_data(as_text=True))["map_score"] == "Q2"


def test_qualtrics_preview_joins_first_and_last_name(client, marketer):
    url, html = preview_of(client, QUALTRICS)
    assert "Qualtrics</strong> export, 3 header rows" in html
    assert "1 survey preview" in html and "1 unfinished" in html
    assert form_values(html)["map_name"] == "+"
    assert "RecipientFirstName + RecipientLastName" in html
    submit(client, url, html)
    assert "Dana Smith" in [r.customer.name for r in db.session.scalars(select(Response))]


@pytest.mark.parametrize(("data", "words"), [
    (b"", "The file is empty."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is a PNG image, not a CSV file."),
    (b"email,name\nana@example.com,Ana\n", "No score column found"),
    (b"just some words\nwithout a table\n", "look like a CSV table"),
])
def test_unusable_files_are_refused_on_upload(client, marketer, data, words):
    response = upload(client, data)
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)
    assert count(ImportUpload) == 0


def test_upload_without_a_file(client, marketer):
    response = client.post("/import/", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a file to upload." in response.get_data(as_text=True)


def test_a_file_over_the_limit_gets_a_clear_413(client, marketer, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    response = upload(client, TEMPLATE + b"x@example.com,9\n" * 10_000)
    assert response.status_code == 413
    assert "larger than the 64 KB this server accepts" in response.get_data(as_text=True)
    assert count(ImportUpload) == 0


def test_cells_are_shown_as_text(client, marketer):
    data = csv_bytes([["email", "score", "<b>comment</b>"],
                      ["ana@example.com", "9", "<script>alert(1)</script>"],
                      ["<img src=x onerror=alert(2)>", "8", ""]])
    url, html = preview_of(client, data, "<i>evil.csv")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;comment&lt;/b&gt;" in html and "&lt;i&gt;evil.csv" in html
    result = client.get(submit(client, url, html).headers["Location"]).get_data(as_text=True)
    assert "<img src=x" not in result and "&lt;img src=x onerror=alert(2)&gt;" in result


def test_unknown_upload_and_run(client, marketer):
    assert client.get("/import/no-such-token").status_code == 404
    assert client.get("/import/runs/999").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client):
    for url in ("/import/", "/import/some-token", "/import/runs/1"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/import/", data={}).status_code == 302


def test_promoters_may_not_import(client, make_user, login):
    login(make_user("promoter"))
    for url in ("/import/", "/import/some-token", "/import/runs/1"):
        assert client.get(url).status_code == 403
    assert upload(client, TEMPLATE).status_code == 403
    assert count(ImportUpload) == 0


def test_admins_may_import(client, make_user, login):
    login(make_user("admin"))
    url, html = preview_of(client, TEMPLATE)
    assert submit(client, url, html).status_code == 303
