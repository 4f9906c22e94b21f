"""NPS figures: the latest-answer rule per quarter, filters, all time, segments, margin of error."""

import math
import random

import pytest
from sqlalchemy import delete, func, select

from ambassador.extensions import db
from ambassador.nps import scores
from ambassador.nps.models import Customer, QuarterScore, QuarterTally, Response
from ambassador.nps.rules import Score
from ambassador.nps.scores import Filters
from ambassador.nps.services import record_responses
from tests.conftest import utc


def _record(*rows):
    record_responses([dict(email=e, score=s, responded_at=at, **kw) for e, s, at, kw in rows],
                     "import")
    db.session.commit()


def answer(email, score, at, **kw):
    return (email, score, at, kw)


def test_a_person_answering_twice_in_a_quarter_counts_once_with_the_later_answer():
    _record(answer("ana@example.com", 3, utc(2026, 7, 2)),
            answer("ana@example.com", 10, utc(2026, 9, 20)),
            answer("bob@example.com", 8, utc(2026, 8, 1)))
    assert scores.quarter_score("2026-Q3") == Score(promoters=1, passives=1, detractors=0)


def test_the_later_answer_wins_even_when_it_arrives_first():
    _record(answer("ana@example.com", 10, utc(2026, 9, 20)))
    _record(answer("ana@example.com", 2, utc(2026, 7, 2)))
    assert scores.quarter_score("2026-Q3") == Score(promoters=1)


def test_answers_in_different_quarters_count_in_each():
    _record(answer("ana@example.com", 10, utc(2026, 5, 1)),
            answer("ana@example.com", 0, utc(2026, 8, 1)),
            answer("bob@example.com", 9, utc(2026, 8, 2)))
    assert scores.quarter_score("2026-Q2") == Score(promoters=1)
    assert scores.quarter_score("2026-Q3") == Score(promoters=1, detractors=1)
    assert scores.quarter_score("2026-Q3").nps == 0.0
    assert scores.quarter_score("2026-Q1") == Score()


def test_quarter_boundaries_are_utc_calendar_quarters():
    _record(answer("ana@example.com", 10, utc(2026, 6, 30, 23, 59, 59)),
            answer("bob@example.com", 0, utc(2026, 7, 1, 0, 0, 0)))
    assert scores.quarter_score("2026-Q2") == Score(promoters=1)
    assert scores.quarter_score("2026-Q3") == Score(detractors=1)


def test_filters_by_company_and_touchpoint():
    _record(answer("a1@acme.test", 10, utc(2026, 8, 1), company="Acme", touchpoint="relational"),
            answer("a2@acme.test", 2, utc(2026, 8, 2), company="Acme",
                   touchpoint="transactional"),
            answer("g1@globex.test", 7, utc(2026, 8, 3), company="Globex",
                   touchpoint="relational"),
            answer("n@none.test", 9, utc(2026, 8, 4)))
    assert scores.quarter_score("2026-Q3") == Score(promoters=2, passives=1, detractors=1)
    assert scores.quarter_score("2026-Q3", company="Acme") == Score(promoters=1, detractors=1)
    assert scores.quarter_score("2026-Q3", company="Globex") == Score(passives=1)
    assert scores.quarter_score("2026-Q3", company="Nobody") == Score()
    assert scores.quarter_score("2026-Q3", touchpoint="relational") == Score(1, 1, 0)
    assert scores.quarter_score("2026-Q3", "Acme", "transactional") == Score(detractors=1)


def test_touchpoint_keeps_the_latest_answer_at_that_touchpoint():
    _record(answer("ana@example.com", 10, utc(2026, 7, 1), touchpoint="relational"),
            answer("ana@example.com", 3, utc(2026, 8, 1), touchpoint="transactional"))
    assert scores.quarter_score("2026-Q3") == Score(detractors=1)
    assert scores.quarter_score("2026-Q3", touchpoint="relational") == Score(promoters=1)


def test_all_time_counts_each_persons_latest_answer_once():
    _record(answer("ana@example.com", 10, utc(2025, 2, 1), company="Acme"),
            answer("ana@example.com", 4, utc(2026, 8, 1), company="Acme"),
            answer("bob@example.com", 9, utc(2024, 1, 1)),
            answer("cid@example.com", 8, utc(2026, 9, 1)))
    assert scores.overall_score() == Score(promoters=1, passives=1, detractors=1)
    assert scores.overall_score(company="Acme") == Score(detractors=1)


@pytest.mark.parametrize("score, expected", [
    (0, Score(detractors=1)), (6, Score(detractors=1)), (7, Score(passives=1)),
    (8, Score(passives=1)), (9, Score(promoters=1)), (10, Score(promoters=1)),
])
def test_segment_boundaries(score, expected):
    _record(answer("ana@example.com", score, utc(2026, 8, 1)))
    assert scores.quarter_score("2026-Q3") == expected
    assert scores.overall_score() == expected


def test_nps_and_margin_of_error_follow_the_formula():
    rows = [answer(f"p{i}@example.com", 9 + i % 2, utc(2026, 8, 1)) for i in range(50)]
    rows += [answer(f"q{i}@example.com", 7 + i % 2, utc(2026, 8, 1)) for i in range(30)]
    rows += [answer(f"d{i}@example.com", i % 7, utc(2026, 8, 1)) for i in range(20)]
    _record(*rows)
    result = scores.quarter_score("2026-Q3")
    assert (result.promoters, result.passives, result.detractors, result.n) == (50, 30, 20, 100)
    assert result.nps == pytest.approx(30.0)
    p, d = 0.5, 0.2
    assert result.moe == pytest.approx(1.96 * math.sqrt((p + d - (p - d) ** 2) / 100) * 100)
    assert f"{result.moe:.1f}" == "15.3"
    assert not result.small_sample


def test_trend_covers_eight_quarters_oldest_first_with_gaps():
    _record(answer("ana@example.com", 10, utc(2025, 2, 1)),
            answer("bob@example.com", 0, utc(2026, 8, 1)),
            answer("old@example.com", 10, utc(2020, 1, 1)))
    points = scores.trend(Filters("2026-Q3"))
    assert [q for q, _s in points] == ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4",
                                       "2026-Q1", "2026-Q2", "2026-Q3"]
    by_quarter = dict(points)
    assert by_quarter["2025-Q1"] == Score(promoters=1)
    assert by_quarter["2026-Q3"] == Score(detractors=1)
    assert by_quarter["2025-Q2"].n == 0 and by_quarter["2025-Q2"].nps is None


def test_account_scores_are_worst_first_from_latest_answers():
    _record(answer("a@best.test", 10, utc(2026, 8, 1), company="Best"),
            answer("b@worst.test", 10, utc(2026, 1, 1), company="Worst"),
            answer("b@worst.test", 1, utc(2026, 8, 1), company="Worst"),
            answer("c@mid.test", 10, utc(2026, 8, 1), company="Mid"),
            answer("d@mid.test", 0, utc(2026, 8, 2), company="Mid"),
            answer("e@nobody.test", 0, utc(2026, 8, 2)))
    rows = scores.account_scores()
    assert [(r.company, r.score.nps) for r in rows] == [
        ("Worst", -100.0), ("Mid", 0.0), ("Best", 100.0)]
    in_q1 = scores.account_scores("2026-Q1")
    assert [(r.company, r.score) for r in in_q1] == [("Worst", Score(promoters=1))]


def test_latest_comments_newest_first_in_the_quarter_with_filters():
    _record(answer("a@example.com", 10, utc(2026, 8, 1), comment="first", company="Acme"),
            answer("b@example.com", 3, utc(2026, 8, 5), comment="second",
                   touchpoint="transactional"),
            answer("c@example.com", 8, utc(2026, 8, 9), comment=""),
            answer("d@example.com", 8, utc(2026, 4, 9), comment="last quarter"))
    comments = scores.latest_comments(Filters("2026-Q3"))
    assert [c.comment for c in comments] == ["second", "first"]
    assert comments[0].segment == "detractor" and comments[1].company == "Acme"
    assert [c.comment for c in scores.latest_comments(Filters("2026-Q3", "Acme"))] == ["first"]
    only_tx = scores.latest_comments(Filters("2026-Q3", touchpoint="transactional"))
    assert [c.comment for c in only_tx] == ["second"]
    assert len(scores.latest_comments(Filters("2026-Q3"), limit=1)) == 1


def test_companies_span_and_touchpoints_come_from_the_data():
    assert scores.quarter_span() is None
    _record(answer("a@example.com", 10, utc(2025, 2, 1), company="beta"),
            answer("b@example.com", 3, utc(2026, 8, 5), company="Alpha",
                   touchpoint="relational"),
            answer("c@example.com", 3, utc(2026, 8, 5), company="Alpha"),
            answer("d@example.com", 3, utc(2026, 8, 5)))
    assert scores.companies() == ["Alpha", "beta"]
    assert scores.quarter_span() == ("2025-Q1", "2026-Q3")
    assert scores.touchpoints_in(["2026-Q3"]) == ["relational"]
    assert scores.touchpoints_in(["2025-Q1"]) == []
    assert scores.quarters_between("2025-Q4", "2026-Q2") == ["2026-Q2", "2026-Q1", "2025-Q4"]


def test_change_between_quarters_against_the_margins_of_error():
    before = Score(promoters=40, passives=30, detractors=30)
    after = Score(promoters=70, passives=30)
    change = scores.change_between(after, before)
    assert change.delta == pytest.approx(60.0) and change.beyond_moe
    small = scores.change_between(Score(promoters=2, detractors=1), Score(promoters=1, passives=1))
    assert small.delta == pytest.approx(-16.6667, abs=1e-3) and not small.beyond_moe
    assert scores.change_between(after, Score()) is None


def test_checked_quarter_rejects_text_and_out_of_range_years():
    assert scores.checked_quarter(" 2026-q3 ") == "2026-Q3"
    for bad in ("2026-Q5", "Q3-2026", "", "0000-Q1", "9999-Q4"):
        with pytest.raises(ValueError):
            scores.checked_quarter(bad)


def _tallies():
    rows = db.session.execute(select(QuarterTally.quarter, QuarterTally.touchpoint,
                                     QuarterTally.score, QuarterTally.answers))
    return {(q, t, s): n for q, t, s, n in rows if n}


def _counted():
    rows = db.session.execute(
        select(QuarterScore.quarter, QuarterScore.touchpoint, QuarterScore.score, func.count())
        .group_by(QuarterScore.quarter, QuarterScore.touchpoint, QuarterScore.score))
    return {(q, t, s): n for q, t, s, n in rows}


def test_tallies_stay_equal_to_counting_quarter_scores():
    rnd = random.Random(7)
    for batch in range(6):
        _record(*[answer(f"c{rnd.randrange(40)}@example.com", rnd.randrange(11),
                         utc(2026, rnd.randrange(1, 13), rnd.randrange(1, 28), batch),
                         touchpoint=rnd.choice([None, "relational", "transactional"]),
                         company=rnd.choice(["Acme", "Globex"]))
                  for _ in range(30)])
        assert _tallies() == _counted()
    db.session.execute(delete(Customer).where(Customer.email.in_(["c1@example.com",
                                                                  "c2@example.com"])))
    db.session.execute(delete(Response).where(Response.id == db.session.scalar(
        select(func.max(Response.id)))))
    db.session.commit()
    orphans = select(func.count()).select_from(QuarterScore).where(
        QuarterScore.customer_id.not_in(select(Customer.id)))
    assert db.session.scalar(orphans) == 0  # a deleted person's scores go with them
    assert _tallies() == _counted()
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"):
        with_company = [scores.quarter_score(quarter, company, tp)
                        for company in ("Acme", "Globex") for tp in (None, "relational")]
        assert scores.quarter_score(quarter) == Score(
            *(sum(getattr(s, f) for s in with_company[::2])
              for f in ("promoters", "passives", "detractors")))


# The `nps score` command.

def test_score_command_prints_the_contract_line(runner):
    _record(answer("ana@example.com", 10, utc(2026, 7, 2)),
            answer("ana@example.com", 9, utc(2026, 8, 2)),
            answer("bob@example.com", 8, utc(2026, 8, 1)),
            answer("cid@example.com", 3, utc(2026, 9, 1)),
            answer("dan@example.com", 10, utc(2026, 4, 1)))
    result = runner.invoke(args=["nps", "score", "--quarter", "2026-Q3"])
    assert result.exit_code == 0, result.output
    assert result.output == "NPS 0.0 n=3 moe=±92.4 promoters=1 passives=1 detractors=1\n"
    result = runner.invoke(args=["nps", "score", "--all"])
    assert result.output == "NPS 25.0 n=4 moe=±81.3 promoters=2 passives=1 detractors=1\n"


def test_score_command_defaults_to_the_current_quarter(runner):
    _record(answer("ana@example.com", 10, utc(2020, 1, 1)))
    result = runner.invoke(args=["nps", "score"])
    assert result.exit_code == 0
    assert result.output == "NPS 0.0 n=0 moe=±0.0 promoters=0 passives=0 detractors=0\n"
    record_responses([{"email": "bob@example.com", "score": 9}], "api")
    db.session.commit()
    assert runner.invoke(args=["nps", "score"]).output.startswith("NPS 100.0 n=1 moe=±0.0 ")


@pytest.mark.parametrize("args", [
    ["--quarter", "2026-Q5"], ["--quarter", "Q3"], ["--quarter", "2026-Q3", "--all"],
])
def test_score_command_refuses_bad_quarters(runner, args):
    result = runner.invoke(args=["nps", "score", *args])
    assert result.exit_code == 2
    assert "quarter" in result.output.lower() or "--all" in result.output
