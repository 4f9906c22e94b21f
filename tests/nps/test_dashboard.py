"""The marketer dashboard and the accounts page: access, figures, chart, comments, filters."""

import re

import pytest

from ambassador.extensions import db
from ambassador.nps.rules import previous_quarters
from ambassador.nps.scores import current_quarter
from ambassador.nps.services import record_responses
from tests.conftest import utc


def _record(rows):
    record_responses(rows, "import")
    db.session.commit()


@pytest.fixture
def marketer(make_user, login):
    return login(make_user("marketer"))


def _page(client, url="/dashboard", status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


def _svg(html):
    match = re.search(r"<svg class=\"trend-chart\".*?</svg>", html, re.S)
    assert match, "no trend chart"
    return match.group(0)


def test_anonymous_visitors_are_sent_to_login(client):
    for url in ("/dashboard", "/dashboard/accounts", "/dashboard/export.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_promoters_may_not_see_the_dashboard(client, make_promoter, login):
    login(make_promoter())
    for url in ("/dashboard", "/dashboard/accounts", "/dashboard/export.csv"):
        assert client.get(url).status_code == 403


def test_admins_see_the_dashboard(client, make_user, login):
    login(make_user("admin"))
    assert client.get("/dashboard").status_code == 200


def test_an_empty_database_points_to_import(client, marketer):
    html = _page(client)
    assert "No NPS answers yet" in html
    assert 'href="/import' in html
    assert "trend-chart" not in html
    assert "No NPS answers yet" in _page(client, "/dashboard/accounts")


def test_small_sample_shows_nps_n_moe_and_a_warning(client, marketer):
    _record([{"email": f"p{i}@example.com", "score": 10} for i in range(3)]
            + [{"email": "q@example.com", "score": 7}, {"email": "d@example.com", "score": 2}])
    html = _page(client)
    assert '<span class="nps nps-pos ">+40.0</span>' in html
    assert "n = 5" in html
    assert "± 70.1" in html  # 1.96 * sqrt((.6 + .2 - .16) / 5) * 100
    assert "Small sample." in html
    assert re.search(r"Promoters \(9–10\)</th>\s*<td class=\"num\">3</td>\s*"
                     r"<td class=\"num muted\">60.0%</td>", html)
    assert re.search(r"Detractors \(0–6\)</th>\s*<td class=\"num\">1</td>", html)


def test_thirty_answers_are_not_a_small_sample(client, marketer):
    _record([{"email": f"c{i}@example.com", "score": i % 11} for i in range(30)])
    html = _page(client)
    assert "n = 30" in html
    assert "Small sample." not in html
    _record([{"email": "c0@example.com", "score": 9}])  # the same person again: still 30
    assert "n = 30" in _page(client)


def test_negative_nps_is_red(client, marketer):
    _record([{"email": "d@example.com", "score": 0}])
    assert '<span class="nps nps-neg ">-100.0</span>' in _page(client)


def test_the_trend_chart_shows_eight_quarters_with_gaps(client, marketer):
    _record([{"email": "a@example.com", "score": 10, "responded_at": utc(2026, 8, 1)},
             {"email": "b@example.com", "score": 0, "responded_at": utc(2025, 2, 1)}])
    svg = _svg(_page(client, "/dashboard?quarter=2026-Q3"))
    labels = re.findall(r'<text class="axis-x"[^>]*>([^<]+)</text>', svg)
    assert labels == previous_quarters("2026-Q3", 8)
    assert svg.count('class="point ') == 2
    assert svg.count(">no answers</text>") == 6
    assert "2026-Q3: NPS +100.0 ± 0.0 (n=1, small sample)" in svg
    assert 'class="moe-band"' not in svg  # the two answers are not neighbours: no line


def test_the_default_quarter_is_the_current_one(client, marketer):
    _record([{"email": "a@example.com", "score": 10}])
    html = _page(client)
    labels = re.findall(r'<text class="axis-x"[^>]*>([^<]+)</text>', _svg(html))
    assert labels[-1] == current_quarter()
    assert f'<option value="{current_quarter()}" selected>' in html


def test_comments_are_escaped_and_show_score_author_and_date(client, marketer):
    _record([{"email": "eve@example.com", "score": 3, "name": "Eve <b>", "company": "Acme & Co",
              "comment": "<script>alert(1)</script>", "responded_at": utc(2026, 8, 14)},
             {"email": "ana@example.com", "score": 10, "comment": "Très bien, teşekkürler",
              "responded_at": utc(2026, 8, 15)}])
    html = _page(client, "/dashboard?quarter=2026-Q3")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Eve &lt;b&gt;" in html and "Acme &amp; Co" in html
    assert "2026-08-14" in html
    assert html.index("Très bien, teşekkürler") < html.index("&lt;script&gt;")
    assert re.search(r'score-badge seg-detractor"[^>]*>3<', html)
    assert re.search(r'score-badge seg-promoter"[^>]*>10<', html)


def test_only_the_latest_twenty_comments(client, marketer):
    _record([{"email": f"c{i}@example.com", "score": 9, "comment": f"comment number {i:02d}",
              "responded_at": utc(2026, 8, 1 + i)} for i in range(25)])
    html = _page(client, "/dashboard?quarter=2026-Q3")
    assert html.count('<li class="comment">') == 20
    assert "comment number 24" in html and "comment number 05" in html
    assert "comment number 04" not in html


def _two_companies():
    _record([
        {"email": "a1@acme.test", "score": 10, "company": "Acme", "touchpoint": "relational",
         "comment": "acme loves it", "responded_at": utc(2026, 8, 1)},
        {"email": "a2@acme.test", "score": 9, "company": "Acme", "touchpoint": "transactional",
         "responded_at": utc(2026, 8, 2)},
        {"email": "g1@globex.test", "score": 1, "company": "Globex", "touchpoint": "relational",
         "comment": "globex is unhappy", "responded_at": utc(2026, 8, 3)},
        {"email": "g2@globex.test", "score": 8, "company": "Globex",
         "responded_at": utc(2026, 8, 4)},
    ])


def test_filters_apply_to_every_figure(client, marketer):
    _two_companies()
    html = _page(client, "/dashboard?quarter=2026-Q3")
    assert "+25.0</span>" in html and "n = 4" in html
    assert '<option value="Acme">Acme</option>' in html
    assert '<option value="Globex">Globex</option>' in html
    assert '<option value="relational">Relational</option>' in html

    html = _page(client, "/dashboard?quarter=2026-Q3&company=Globex")
    assert '<option value="Globex" selected>' in html
    assert "-50.0</span>" in html and "n = 2" in html
    assert "globex is unhappy" in html and "acme loves it" not in html
    assert "2026-Q3: NPS -50.0" in _svg(html)
    assert "company=Globex" in re.search(r'href="([^"]*export.csv[^"]*)"', html).group(1)

    html = _page(client, "/dashboard?quarter=2026-Q3&touchpoint=relational")
    assert "0.0</span>" in html and "n = 2" in html
    assert "globex is unhappy" in html and "acme loves it" in html

    html = _page(client, "/dashboard?quarter=2026-Q3&company=Acme&touchpoint=transactional")
    assert "+100.0</span>" in html and "n = 1" in html
    assert "No comments in 2026-Q3 for these filters" in html


def test_another_quarter_can_be_chosen(client, marketer):
    _two_companies()
    _record([{"email": "z@example.com", "score": 0, "responded_at": utc(2026, 2, 1)}])
    html = _page(client, "/dashboard?quarter=2026-Q1")
    assert "-100.0</span>" in html and "n = 1" in html
    assert '<option value="2026-Q1" selected>' in html


@pytest.mark.parametrize("query", [
    "quarter=garbage", "quarter=2026-Q9", "quarter=0000-Q1", "quarter=9999-Q4",
    "quarter=1900-Q1", "company=Nobody", "company=" + "x" * 5000, "touchpoint=%3Cscript%3E",
    "quarter=2026-Q3&quarter=x&company=Acme&company=Globex", "page=abc", "page=%EF%BC%92",
])
def test_bad_filter_values_never_fail(client, marketer, query):
    _two_companies()
    html = _page(client, "/dashboard?" + query)
    assert "trend-chart" in html
    assert "<script>" not in html.split("</head>")[1].replace("<script src", "")
    assert _page(client, "/dashboard/accounts?" + query)


def test_a_control_character_in_a_filter_is_a_clear_400(client, marketer):
    _two_companies()
    html = _page(client, "/dashboard?company=%00", status=400)
    assert "control character (U+0000)" in html


def test_ignored_filters_are_explained(client, marketer):
    _two_companies()
    html = _page(client, "/dashboard?quarter=garbage&company=Nobody&touchpoint=web")
    assert "Ignored the quarter" in html
    assert "Ignored the company &#39;Nobody&#39;" in html
    assert "Ignored the touchpoint &#39;web&#39;" in html
    assert f'<option value="{current_quarter()}" selected>' in html


def test_accounts_are_sorted_worst_first_and_link_to_the_dashboard(client, marketer):
    rows = [{"email": f"b{i}@best.test", "score": 10, "company": "Best"} for i in range(30)]
    rows += [{"email": "w1@worst.test", "score": 0, "company": "Worst"},
             {"email": "m1@mid.test", "score": 10, "company": "Mid"},
             {"email": "m2@mid.test", "score": 8, "company": "Mid"},
             {"email": "m3@mid.test", "score": 0, "company": "Mid"}]
    _record(rows)
    html = _page(client, "/dashboard/accounts")
    names = re.findall(r'<th scope="row" class="company">([^<]+?) ', html)
    assert names == ["Worst", "Mid", "Best"]
    assert html.count("badge-small") >= 2  # Worst and Mid are small samples, Best is not
    assert '(marked <span class="badge badge-small">small sample</span>)' in html
    best_row = html[html.index(">Best "):]
    best_row = best_row[:best_row.index("</tr>")]
    assert "small sample" not in best_row and "+100.0" in best_row and ">30<" in best_row
    assert 'href="/dashboard?company=Worst"' in html


def test_accounts_for_a_quarter_use_the_latest_answer_in_it(client, marketer):
    _record([{"email": "a@acme.test", "score": 10, "company": "Acme",
              "responded_at": utc(2026, 2, 1)},
             {"email": "a@acme.test", "score": 0, "company": "Acme",
              "responded_at": utc(2026, 8, 1)}])
    assert "-100.0" in _page(client, "/dashboard/accounts")
    html = _page(client, "/dashboard/accounts?quarter=2026-Q1")
    assert "+100.0" in html and 'href="/dashboard?company=Acme&amp;quarter=2026-Q1"' in html


def test_accounts_are_paginated(client, marketer):
    _record([{"email": f"p{i}@example.com", "score": i % 11, "company": f"Company {i:03d}"}
             for i in range(60)])
    first = _page(client, "/dashboard/accounts")
    assert first.count('class="company"') == 50 and "Page 1 of 2" in first
    second = _page(client, "/dashboard/accounts?page=2")
    assert second.count('class="company"') == 10
    assert _page(client, "/dashboard/accounts?page=99").count('class="company"') == 10
