"""`demo load`: every role, a year and more of believable answers, and only once."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ambassador.auth.models import User
from ambassador.auth.services import authenticate
from ambassador.demo import DEMO_PASSWORD, ascii_slug, load_demo
from ambassador.extensions import db
from ambassador.nps.models import Customer, Response
from ambassador.nps.rules import previous_quarters, quarter_of
from ambassador.nps.scores import scores_by_quarter
from tests.conftest import empty_tables, utc


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _snapshot() -> list[tuple]:
    return [
        (r.customer.email, r.customer.name, r.score, r.comment, r.responded_at, r.touchpoint)
        for r in db.session.scalars(select(Response).order_by(Response.external_id))
    ]


def _empty_tables() -> None:
    db.session.rollback()
    empty_tables(db.session.connection())
    db.session.commit()


def test_demo_load_fills_an_empty_database(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output

    roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles["admin"] == 1 and roles["marketer"] == 1 and 2 <= roles["promoter"] <= 3
    for user in db.session.scalars(select(User)):
        assert user.email in result.output
        assert authenticate(user.email, DEMO_PASSWORD) is not None
    assert f"password: {DEMO_PASSWORD}" in result.output
    for promoter in db.session.scalars(select(User).where(User.role == "promoter")):
        assert promoter.customer is not None and promoter.customer.status == "active"
        assert promoter.customer.email == promoter.email

    assert 350 <= _count(Customer) <= 450
    assert _count(Response) >= _count(Customer)
    assert _count(Response, Response.source.not_in(("import", "checkin"))) == 0
    assert _count(Response, Response.source == "checkin") > 50  # three check-in rounds
    companies = db.session.scalar(select(func.count(func.distinct(Customer.company))))
    assert companies >= 10
    statuses = dict(db.session.execute(
        select(Customer.status, func.count()).group_by(Customer.status)).all())
    assert statuses["active"] > 50 and statuses["lapsed"] > 50
    touchpoints = set(db.session.scalars(select(Response.touchpoint).distinct()))
    assert touchpoints == {"relational", "transactional"}


def test_demo_names_and_comments_speak_french_turkish_and_english():
    load_demo()
    names = " ".join(db.session.scalars(select(Customer.name)))
    comments = " ".join(c for c in db.session.scalars(select(Response.comment)) if c)
    for name in ("Hélène Dupré", "Şükrü Yılmaz"):
        assert name in names
    for letter in "éèçëŞşİığÇçÖöÜü":
        assert letter in names + comments, letter
    assert "recommande" in comments and "tavsiye" in comments and "recommended" in comments
    assert all(e.isascii() for e in db.session.scalars(select(Customer.email)))


@pytest.mark.parametrize("now", [utc(2026, 11, 24, 9), utc(2027, 2, 3, 18)])
def test_demo_spreads_over_past_quarters_with_an_improving_trend(now):
    load_demo(now=now)
    first, last = db.session.execute(
        select(func.min(Response.responded_at), func.max(Response.responded_at))).one()
    assert last <= now
    assert now - first > timedelta(days=365)
    quarters = previous_quarters(quarter_of(now), 6)
    assert quarter_of(first) == quarters[0]
    scores = scores_by_quarter(quarters)
    early = [scores[q].nps for q in quarters[:2]]
    late = [scores[q].nps for q in quarters[-3:-1]]  # the last full quarters
    assert min(late) > max(early) + 10, scores


def test_demo_is_deterministic():
    now = utc(2026, 5, 17, 12)
    load_demo(seed=7, now=now)
    db.session.commit()
    first = _snapshot()
    _empty_tables()
    load_demo(seed=7, now=now)
    assert _snapshot() == first
    _empty_tables()
    load_demo(seed=8, now=now)
    assert _snapshot() != first


def test_second_load_says_so_and_changes_nothing(runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    before = (_count(User), _count(Customer), _count(Response))
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert "already has data" in again.output and "changed nothing" in again.output
    assert (_count(User), _count(Customer), _count(Response)) == before


def test_demo_load_refuses_a_database_with_only_responses(runner, make_response):
    make_response(10)
    result = runner.invoke(args=["demo", "load"])
    assert "changed nothing" in result.output
    assert _count(User) == 0 and _count(Customer) == 1


def test_ascii_slug_folds_accents_and_turkish_letters():
    assert ascii_slug("Hélène Dupré") == "helene.dupre"
    assert ascii_slug("Şükrü Yılmaz") == "sukru.yilmaz"
    assert ascii_slug("İpek Güneş") == "ipek.gunes"
    assert ascii_slug("Çağla Öztürk") == "cagla.ozturk"
    assert ascii_slug("Liam O'Brien") == "liam.obrien"


def test_demo_has_an_early_access_with_few_seats_and_an_event_next_month():
    from ambassador.programs.models import Enrollment, Program

    now = utc(2026, 11, 24, 9)
    load_demo(now=now)
    programs = {p.kind: p for p in db.session.scalars(select(Program))}
    beta, council = programs["early_access"], programs["event"]
    assert beta.status == council.status == "open" and beta.has_cover and council.has_cover
    assert 0 < beta.seats - beta.taken <= 2  # few seats left
    assert timedelta(days=25) < council.starts_at - now < timedelta(days=35)
    assert council.timezone == "Europe/Paris"
    for program in (beta, council):
        assert program.taken == _count(Enrollment, Enrollment.program_id == program.id) > 0
