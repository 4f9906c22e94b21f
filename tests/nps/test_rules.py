"""The NPS rules: segments, quarters, NPS and margin of error."""

import math

import pytest

from ambassador.nps.rules import (
    Score,
    parse_quarter,
    previous_quarters,
    quarter_bounds,
    quarter_of,
    segment,
    status_for,
)
from tests.conftest import utc


@pytest.mark.parametrize("score,expected", [
    (0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"),
    (9, "promoter"), (10, "promoter"),
])
def test_segment_boundaries(score, expected):
    assert segment(score) == expected


def test_status_follows_the_score():
    assert [status_for(s) for s in (None, 6, 8, 9, 10)] == [
        "none", "lapsed", "lapsed", "active", "active"]


def test_nps_and_margin_of_error_match_the_formula():
    score = Score(promoters=50, passives=30, detractors=20)
    p, d = 0.5, 0.2
    assert score.nps == pytest.approx(30.0)
    assert score.moe == pytest.approx(1.96 * math.sqrt((p + d - (p - d) ** 2) / 100) * 100)
    assert score.line() == "NPS 30.0 n=100 moe=±15.3 promoters=50 passives=30 detractors=20"
    assert not score.small_sample


def test_extremes_and_small_sample():
    assert Score(promoters=10).nps == 100.0
    assert Score(promoters=10).moe == 0.0
    assert Score(detractors=3).nps == -100.0
    assert Score(promoters=29).small_sample
    assert Score().nps is None
    assert Score().line() == "NPS 0.0 n=0 moe=±0.0 promoters=0 passives=0 detractors=0"


def test_quarters():
    assert quarter_of(utc(2026, 12, 31, 23, 59)) == "2026-Q4"
    assert quarter_of(utc(2026, 4, 1)) == "2026-Q2"
    assert quarter_bounds("2026-Q4") == (utc(2026, 10, 1), utc(2027, 1, 1))
    assert previous_quarters("2026-Q2", 4) == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert parse_quarter(" 2026-q3 ") == "2026-Q3"
    with pytest.raises(ValueError):
        parse_quarter("2026-Q5")
