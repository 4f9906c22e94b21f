"""Retention: responses older than RESPONSE_RETENTION_YEARS become bare scores."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ambassador.audit.models import AuditEntry
from ambassador.extensions import db
from ambassador.nps.models import Customer, Response
from ambassador.privacy.services import apply_retention, retention_cutoff
from tests.conftest import utc


@pytest.fixture
def years(app, monkeypatch):
    def set_years(value):
        monkeypatch.setitem(app.config, "RESPONSE_RETENTION_YEARS", value)
    return set_years


@pytest.fixture
def answers(make_response, make_promoter):
    old = make_response(score=3, email="gone@example.com", comment="Old and bitter",
                        responded_at=utc(2021, 3, 1), contact_ref="CRM-1", name="Gone")
    member = make_promoter(score=10, email="member@example.com", comment="Ancient praise",
                           responded_at=utc(2021, 6, 1))
    recent = make_response(score=9, email="member@example.com", comment="Still happy",
                           responded_at=utc(2026, 6, 1))
    fresh = make_response(score=7, email="fresh@example.com", comment="Fine",
                          responded_at=utc(2025, 12, 1))
    return {"old": old.id, "member": member.customer_id, "recent": recent.id,
            "fresh": fresh.id}


def test_unset_keeps_everything(runner, years, answers):
    years(None)
    result = runner.invoke(args=["privacy", "retention", "--now", "2026-12-01"])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "anonymised 0 responses"
    assert db.session.get(Response, answers["old"]).comment == "Old and bitter"


def test_old_responses_become_bare_scores_and_the_figures_stay(runner, years, answers):
    years(5)
    before = [runner.invoke(args=["nps", "score", *args]).output
              for args in (["--all"], ["--quarter", "2021-Q1"], ["--quarter", "2021-Q2"])]
    result = runner.invoke(args=["privacy", "retention", "--now", "2026-12-01T00:00:00Z"])
    assert result.exit_code == 0, result.output
    assert result.output == "anonymised 2 responses\n"
    after = [runner.invoke(args=["nps", "score", *args]).output
             for args in (["--all"], ["--quarter", "2021-Q1"], ["--quarter", "2021-Q2"])]
    assert after == before
    db.session.expire_all()
    old = db.session.get(Response, answers["old"])
    assert (old.score, old.comment, old.contact_ref) == (3, None, None)
    # a customer without an account whose every answer is past retention is erased
    gone = db.session.get(Customer, old.customer_id)
    assert gone.email.endswith("@erased.invalid") and gone.name is None
    # a member keeps their record; only their old answer loses its comment
    member = db.session.get(Customer, answers["member"])
    assert member.email == "member@example.com"
    comments = dict(db.session.execute(select(Response.responded_at, Response.comment)
                                       .where(Response.customer_id == member.id)).all())
    assert sorted(comments.values(), key=str) == [None, "Still happy"]
    assert db.session.get(Response, answers["fresh"]).comment == "Fine"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "customer.erased"))
    assert entry.actor_id is None and entry.after["reason"] == "retention"
    again = runner.invoke(args=["privacy", "retention", "--now", "2026-12-01T00:00:00Z"])
    assert again.output == "anonymised 0 responses\n"


def test_the_cutoff_is_calendar_years_and_survives_29_february():
    assert retention_cutoff(datetime(2026, 12, 1, tzinfo=UTC), 5) == datetime(2021, 12, 1,
                                                                              tzinfo=UTC)
    assert retention_cutoff(datetime(2028, 2, 29, tzinfo=UTC), 1) == datetime(2027, 2, 28,
                                                                              tzinfo=UTC)


def test_a_response_exactly_at_the_cutoff_is_kept(make_response):
    kept = make_response(score=5, comment="Borderline", responded_at=utc(2021, 12, 1))
    assert apply_retention(5, utc(2026, 12, 1)) == 0
    db.session.commit()
    assert db.session.get(Response, kept.id).comment == "Borderline"


def test_a_bad_now_is_refused(runner, years):
    years(3)
    result = runner.invoke(args=["privacy", "retention", "--now", "yesterday"])
    assert result.exit_code == 2 and "ISO 8601" in result.output
