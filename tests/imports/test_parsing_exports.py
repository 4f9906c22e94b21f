"""The NPS file parser: Qualtrics and SurveyMonkey exports, and the score-column guess."""

from datetime import UTC, datetime

import pytest

from ambassador.imports.parsing import ParseOptions, inspect, iter_rows
from tests.imports.data import Q_NAMES, file_error, make_csv, parse, q_row, qualtrics

# ---------------------------------------------------------------- Qualtrics


def test_qualtrics_three_header_rows():
    data = qualtrics(q_row(), q_row(email="bob@x.io", score="6", group="1",
                                    recorded="2026-07-01 08:00:00", why="Slow\nreally"))
    info, rows = parse(data)
    assert info.header_rows == 3 and info.source_format == "qualtrics"
    assert info.columns == Q_NAMES
    assert info.questions[14] == "How likely are you to recommend us to a friend?"
    assert info.timezone == "America/Denver"
    assert info.mapping["email"] == "RecipientEmail"
    assert info.mapping["score"] == "Q1"
    assert info.mapping["external_id"] == "ResponseId"
    assert info.mapping["language"] == "UserLanguage"
    assert info.mapping["responded_at"] in ("EndDate", "RecordedDate")
    assert info.score_candidates == ["Q1"]
    assert info.date_order == "iso"
    assert [r.line for r in rows] == [4, 5]
    first, second = (r.values for r in rows)
    assert first["name"] == "Ann Lee" and first["score"] == 9
    assert first["responded_at"] == datetime(2026, 11, 24, 17, 5, 1, tzinfo=UTC)   # MST
    assert second["responded_at"] == datetime(2026, 7, 1, 14, 0, tzinfo=UTC)       # MDT


def test_qualtrics_preview_spam_and_unfinished_rows_are_skipped():
    data = qualtrics(q_row(), q_row(status="Survey Preview", email="p@x.io"),
                     q_row(status="Spam", email="s@x.io"),
                     q_row(finished="False", email="u@x.io", score=""),
                     q_row(finished="0", email="v@x.io"), q_row(email="z@x.io"))
    info, rows = parse(data)
    assert info.data_rows == 6
    assert info.skipped == {"survey preview": 2, "unfinished": 2}
    assert [(r.line, r.skipped) for r in rows] == [
        (4, None), (5, "survey preview"), (6, "survey preview"), (7, "unfinished"),
        (8, "unfinished"), (9, None)]
    assert all(r.values is None and r.error is None for r in rows if r.skipped)


def test_qualtrics_numeric_status_codes():
    data = qualtrics(q_row(status="0", finished="1"), q_row(status="1", email="p@x.io"))
    info, rows = parse(data)
    assert info.skipped == {"survey preview": 1} and rows[0].error is None


def test_timezone_option_beats_the_stated_zone():
    _, rows = parse(qualtrics(q_row()), timezone="UTC")
    assert rows[0].values["responded_at"] == datetime(2026, 11, 24, 10, 5, 1, tzinfo=UTC)


def test_qualtrics_without_a_known_zone_is_utc():
    info, rows = parse(qualtrics(q_row(), zone="Nowhere/Special"))
    assert info.timezone is None
    assert rows[0].values["responded_at"] == datetime(2026, 11, 24, 10, 5, 1, tzinfo=UTC)


def test_status_column_outside_qualtrics_is_just_data():
    data = make_csv([["email", "score", "Status"], ["a@x.io", "9", "Survey Preview"]])
    info, rows = parse(data)
    assert info.skipped == {} and rows[0].values["score"] == 9


# ---------------------------------------------------------------- SurveyMonkey

SM_TOP = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
          "Email Address", "First Name", "Last Name", "Custom Data 1",
          "How likely is it that you would recommend us to a friend or colleague?",
          "What could we improve?", "Which products do you use?", "", ""]
SM_SUB = ["", "", "", "", "", "", "", "", "", "Response", "Open-Ended Response", "Product A",
          "Product B", "Other (please specify)"]


def sm_row(rid="114", email="ann@x.io", score="9", end="11/24/2026 2:07:01 PM"):
    return [rid, "4321", "11/24/2026 2:05:33 PM", end, "1.2.3.4", email, "Ann", "Lee", "",
            score, "Faster support", "Product A", "", ""]


def test_surveymonkey_two_header_rows():
    data = make_csv([SM_TOP, SM_SUB, sm_row(), sm_row("115", "bob@x.io", "10 - Extremely likely",
                                                      "11/25/2026 9:00:00 AM")])
    info, rows = parse(data)
    assert info.header_rows == 2 and info.source_format == "surveymonkey"
    assert info.columns[9:] == [
        "How likely is it that you would recommend us to a friend or colleague?",
        "What could we improve?",
        "Which products do you use? - Product A",
        "Which products do you use? - Product B",
        "Which products do you use? - Other (please specify)"]
    assert info.mapping["score"] == info.columns[9]
    assert info.mapping["email"] == "Email Address"
    assert info.mapping["responded_at"] == "End Date"
    assert info.mapping["external_id"] == "Respondent ID"
    assert info.date_order == "mdy"
    assert [r.line for r in rows] == [3, 4]
    assert rows[0].values["name"] == "Ann Lee" and rows[0].values["external_id"] == "114"
    assert rows[1].values["score"] == 10
    assert rows[0].values["responded_at"] == datetime(2026, 11, 24, 14, 7, 1, tzinfo=UTC)


def test_two_row_header_without_surveymonkey_markers_is_a_data_row():
    data = make_csv([["email", "score"], ["Response", "9"], ["a@x.io", "9"]])
    info, rows = parse(data)
    assert info.header_rows == 1
    assert rows[0].error == "invalid email 'Response'"


# ---------------------------------------------------------------- score-column guess


def test_guess_the_single_zero_to_ten_column():
    data = make_csv([["email", "Rating", "Comment"], ["a@x.io", "7", "ok"],
                     ["b@x.io", "", "no score"], ["c@x.io", "9,0", "fine"]])
    info, rows = parse(data)
    assert info.mapping["score"] == "Rating" and info.score_candidates == ["Rating"]
    assert [r.error for r in rows] == [None, "score is missing", None]


@pytest.mark.parametrize("question", [
    "How likely are you to recommend us to a friend?",
    "Quelle est la probabilité que vous recommandiez notre société ?",
    "Bizi bir arkadaşınıza tavsiye etme olasılığınız nedir?",
    "NPS (0-10)",
])
def test_guess_prefers_the_recommend_question(question):
    data = make_csv([["email", "Satisfaction", question, "Effort"],
                     ["a@x.io", "4", "9", "2"], ["b@x.io", "5", "10", "3"]])
    info = inspect(data)
    assert info.mapping["score"] == question
    assert info.score_candidates == ["Satisfaction", question, "Effort"]


def test_guess_uses_qualtrics_question_text():
    names = ["RecipientEmail", "Q1", "Q2"]
    text = ["Email", "Overall satisfaction", "Would you recommend us?"]
    ids = ['{"ImportId":"recipientEmail"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2"}']
    info = inspect(make_csv([names, text, ids, ["a@x.io", "3", "8"]]))
    assert info.mapping["score"] == "Q2"


def test_ambiguous_guess_names_the_candidates():
    data = make_csv([["email", "Q1", "Q2"], ["a@x.io", "3", "8"]])
    error = file_error(data)
    assert error.candidates == ["Q1", "Q2"]
    assert "'Q1', 'Q2'" in str(error) and error.needs_date_format is False
    info = inspect(data, ParseOptions(mapping={"score": "Q2"}))
    assert info.mapping["score"] == "Q2" and info.score_candidates == ["Q1", "Q2"]


def test_two_recommend_questions_are_ambiguous():
    data = make_csv([["email", "Recommend product?", "Recommend support?"],
                     ["a@x.io", "3", "8"]])
    assert file_error(data).candidates == ["Recommend product?", "Recommend support?"]


def test_guess_ignores_id_like_derived_and_empty_columns():
    header = ["#", "id", "customer_id", "Collector ID", "SurveyID", "Q1_NPS_GROUP", "Progress",
              "Finished", "Status", "email", "Blank", "Likelihood"]
    row = ["1", "2", "3", "4", "5", "3", "10", "1", "0", "a@x.io", "", "8"]
    info = inspect(make_csv([header, row]))
    assert info.score_candidates == ["Likelihood"] and info.mapping["score"] == "Likelihood"


def test_one_bad_value_rules_a_column_out():
    data = make_csv([["email", "A", "B"], ["a@x.io", "3", "8"], ["b@x.io", "11", "9"]])
    info = inspect(data)
    assert info.score_candidates == ["B"] and info.mapping["score"] == "B"


def test_iter_rows_uses_the_guessed_column():
    data = make_csv([["email", "How likely to recommend?"], ["a@x.io", "10"]])
    info = inspect(data)
    rows = list(iter_rows(data, info))
    assert rows[0].values["score"] == 10


def test_an_out_of_range_answer_does_not_hide_the_recommend_question():
    question = "Bizi bir arkadaşınıza tavsiye etme olasılığınız nedir?"
    data = make_csv([["E-posta", question, "Yorum"], ["a@x.io", "9,0", "Çok iyi"],
                     ["b@x.io", "10", ""], ["c@x.io", "11", "?"], ["d@x.io", "6", ""]],
                    delimiter=";", encoding="cp1254")
    info, rows = parse(data)
    assert info.mapping["score"] == question
    assert [r.values["score"] if r.values else r.error for r in rows] == [
        9, 10, "score 11 is outside 0-10", 6]


def test_columns_of_mostly_scores_are_offered_when_none_is_worded():
    data = make_csv([["email", "Rating", "Effort"], ["a@x.io", "9", "2"],
                     ["b@x.io", "12", "3"], ["c@x.io", "8", "40"], ["d@x.io", "7", "1"]])
    error = file_error(data)
    assert "No score column found" in str(error)
    assert error.candidates == ["Rating", "Effort"]
