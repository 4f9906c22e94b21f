"""The comment column, found like the score column: the "why?" question, or the text after it."""

import pytest
from sqlalchemy import select

from ambassador.extensions import db
from ambassador.imports.importer import import_file
from ambassador.imports.parsing import ParseOptions, inspect
from ambassador.imports.parsing.columns import asks_why
from ambassador.nps.models import Response
from tests.imports.test_parsing import make_csv, parse

RECOMMEND_FR = "Quelle est la probabilité que vous recommandiez notre entreprise ?"
GOOGLE_FR = make_csv([
    ["Horodateur", "Adresse e-mail", RECOMMEND_FR, "Pourquoi ?"],
    ["24/11/2026 14:05:00", "ana@example.fr", "10", "Une équipe très réactive"],
    ["25/11/2026 09:12:30", "luc@example.fr", "6", ""],
])
GOOGLE_TR = make_csv([
    ["Zaman damgası", "E-posta Adresi", "Bizi tavsiye etme olasılığınız nedir?", "Neden?"],
    ["24.11.2026 14:05:00", "ayse@example.com.tr", "9", "Çok memnun kaldım"],
], delimiter=";")
TYPEFORM = make_csv([
    ["#", "How likely are you to recommend us?", "What is the main reason for your score?",
     "Email", "Submit Date (UTC)"],
    ["a1b2", "8", "Good value, slow delivery", "joe@example.com", "2026-11-24 10:00:00"],
])


def guessed(data, **options):
    info = inspect(data, ParseOptions(**options))
    return info.mapping["comment"], info.comment_guess, info.comment_candidates


@pytest.mark.parametrize("data, column", [
    (GOOGLE_FR, "Pourquoi ?"),
    (GOOGLE_TR, "Neden?"),
    (TYPEFORM, "What is the main reason for your score?"),
])
def test_the_why_question_of_real_exports_is_the_comment(data, column):
    assert guessed(data) == (column, "asks why", [])


@pytest.mark.parametrize("label", [
    "Why?", "WHY did you give this score", "Pourquoi ?", "POURQUOI", "Quelle est la raison ?",
    "Parce que…", "Neden?", "NEDEN", "Puanınızın sebebi nedir?", "Niçin?", "NİÇİN?", "niçin",
    "Because", "Reason for your score", "Warum?", "¿Por qué?", "Pourquoï",
])
def test_asking_why_in_any_case_with_or_without_accents(label):
    assert asks_why(label)


@pytest.mark.parametrize("label", ["Email", "Score", "Company", "Horodateur", "Note",
                                   "Zaman damgası", "Comments about delivery time"])
def test_other_headers_do_not_ask_why(label):
    assert not asks_why(label)


def test_else_the_free_text_column_right_after_the_score():
    data = make_csv([["email", "score", "Tell us more", "plan"],
                     ["a@x.io", "9", "Lovely people, fast answers", "gold"],
                     ["b@x.io", "4", "Too expensive for what it does", "silver"]])
    assert guessed(data) == ("Tell us more", "after the score", [])


@pytest.mark.parametrize("after", [["12"], ["gold"], ["b@x.io"], [""]])
def test_a_column_after_the_score_that_is_not_free_text_is_not_the_comment(after):
    data = make_csv([["email", "score", "next"], ["a@x.io", "9", *after],
                     ["c@x.io", "7", *after]])
    assert guessed(data) == (None, None, [])


def test_several_columns_asking_why_map_nothing_and_are_named():
    data = make_csv([["email", "score", "Why this score?", "Reason for leaving"],
                     ["a@x.io", "9", "Nice", "Moving abroad"]])
    assert guessed(data) == (None, None, ["Why this score?", "Reason for leaving"])


def test_a_column_named_comment_wins_over_the_guess():
    data = make_csv([["email", "score", "Why?", "comment"], ["a@x.io", "9", "x y", "Great"]])
    assert guessed(data) == ("comment", None, [])


def test_a_mapping_overrides_the_guess():
    assert guessed(GOOGLE_FR, mapping={"comment": ""}) == (None, None, [])
    other = guessed(GOOGLE_FR, mapping={"comment": "Horodateur"})
    assert other == ("Horodateur", None, [])


def test_the_qualtrics_question_text_counts():
    data = make_csv([
        ["RecipientEmail", "Q1", "Q2", "EndDate"],
        ["Email", "How likely are you to recommend us?", "Why did you give that score?", "End"],
        ['{"ImportId":"RecipientEmail"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2_TEXT"}',
         '{"ImportId":"endDate","timeZone":"UTC"}'],
        ["ann@example.com", "9", "Quick support", "2026-11-24 10:00:00"],
    ])
    assert guessed(data) == ("Q2", "asks why", [])


def test_the_guessed_comment_is_imported(app):
    _info, rows = parse(GOOGLE_FR)
    assert rows[0].values["comment"] == "Une équipe très réactive"
    report = import_file(GOOGLE_FR)
    db.session.commit()
    assert report.imported == 2
    comments = set(db.session.scalars(select(Response.comment)))
    assert comments == {"Une équipe très réactive", None}


def test_the_command_line_says_which_column_it_took(runner, tmp_path):
    path = tmp_path / "google.csv"
    path.write_bytes(GOOGLE_FR)
    result = runner.invoke(args=["nps", "import", str(path)])
    assert result.stdout.splitlines()[0] == (
        "encoding utf-8 (detected), delimiter ',', comment 'Pourquoi ?' (asks why)")
    assert result.exit_code == 0
    ambiguous = tmp_path / "two.csv"
    ambiguous.write_bytes(make_csv([["email", "score", "Why?", "Reason"], ["a@x.io", "9", "a",
                                                                           "b"]]))
    first = runner.invoke(args=["nps", "import", str(ambiguous)]).stdout.splitlines()[0]
    assert first.endswith(
        "comment not guessed ('Why?', 'Reason' could be it: use --map comment=COLUMN)")
    mapped = runner.invoke(args=["nps", "import", str(ambiguous), "--map", "comment=Reason"])
    assert "comment" not in mapped.stdout.splitlines()[0]


def test_the_preview_shows_the_guess_and_the_ambiguity(client, make_user, login):
    from tests.imports.test_import_views import form_values, preview_of

    login(make_user("marketer"))
    _url, html = preview_of(client, GOOGLE_FR)
    assert "guessed: it asks why" in html
    assert form_values(html)["map_comment"] == "Pourquoi ?"
    data = make_csv([["email", "score", "Why?", "Reason"], ["a@x.io", "9", "a", "b"]])
    _url, html = preview_of(client, data)
    assert "Several columns could hold the comment: Why?, Reason." in html
    assert form_values(html)["map_comment"] == ""
