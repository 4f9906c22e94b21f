"""The contact budget: one non-transactional mail a week, a cap per quarter, none unsubscribed."""

from datetime import timedelta

import pytest

from ambassador.extensions import db
from ambassador.mail.budget import (
    claim_contact,
    claim_contacts,
    contacts_this_quarter,
    may_contact,
    quarter_label,
)
from ambassador.mail.unsubscribe import undo_unsubscribe, unsubscribe
from ambassador.testimonials import services as testimonials
from ambassador.testimonials.requests import request_testimonial
from tests.conftest import utc

NOW = utc(2026, 11, 10, 9, 0)


def test_one_mail_a_week_at_most():
    assert claim_contact("ada@example.com", "checkin", NOW)
    assert not claim_contact("ada@example.com", "testimonial_request", NOW + timedelta(days=6))
    assert not may_contact("ada@example.com", NOW + timedelta(days=6, hours=23))
    assert may_contact("ada@example.com", NOW + timedelta(days=7))
    assert claim_contact("ADA@example.com ", "program_message", NOW + timedelta(days=7))


def test_the_quarter_cap_then_a_new_quarter(app, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_QUARTER_CAP", 2)
    start = utc(2026, 10, 1)
    assert claim_contact("bo@example.com", "a", start)
    assert claim_contact("bo@example.com", "b", start + timedelta(days=7))
    assert not claim_contact("bo@example.com", "c", start + timedelta(days=30))  # cap reached
    assert contacts_this_quarter("bo@example.com", start + timedelta(days=30)) == 2
    assert claim_contact("bo@example.com", "d", utc(2027, 1, 1))  # 2027-Q1: a fresh count
    assert contacts_this_quarter("bo@example.com", utc(2027, 1, 2)) == 1


def test_a_refused_claim_changes_nothing_and_waits():
    assert claim_contact("cy@example.com", "checkin", NOW)
    assert not claim_contact("cy@example.com", "digest", NOW + timedelta(days=1))
    # the refusal did not push the week further: day 7 counts from the first mail
    assert claim_contact("cy@example.com", "digest", NOW + timedelta(days=7))


def test_unsubscribed_people_get_nothing_until_they_undo_it():
    unsubscribe("dee@example.com")
    assert not may_contact("dee@example.com", NOW)
    assert claim_contacts(["dee@example.com", "eve@example.com"], "checkin", NOW) == {
        "eve@example.com"}
    undo_unsubscribe("dee@example.com")
    assert claim_contact("dee@example.com", "checkin", NOW)


def test_quarter_labels():
    assert quarter_label(utc(2026, 3, 31, 23, 59)) == "2026-Q1"
    assert quarter_label(utc(2026, 4, 1)) == "2026-Q2"
    assert quarter_label(utc(2026, 12, 31)) == "2026-Q4"


def test_the_budget_is_shared_across_features(make_response, make_user):
    """A testimonial request after a check-in-like mail waits a week, and says until when."""
    response = make_response(score=10, comment="Love it")
    assert claim_contact(response.customer.email, "checkin", NOW)
    db.session.commit()
    with pytest.raises(testimonials.TestimonialError, match="last few days"):
        request_testimonial(response.customer_id, make_user("marketer"), now=NOW)
    db.session.rollback()
    request = request_testimonial(response.customer_id, None, now=NOW + timedelta(days=7))
    assert request.id is not None


def test_nobody_unsubscribed_is_asked_for_a_testimonial(make_response):
    response = make_response(score=10, comment="Love it")
    unsubscribe(response.customer.email)
    with pytest.raises(testimonials.TestimonialError, match="unsubscribed"):
        request_testimonial(response.customer_id, None, now=NOW)


def test_transactional_mail_stays_outside_the_budget(client, make_user, outbox):
    user = make_user("promoter", email="fay@example.com")
    assert claim_contact(user.email, "checkin")
    unsubscribe(user.email)
    db.session.commit()
    client.post("/password/forgot", data={"email": user.email})
    assert [m.kind for m in outbox(user.email)] == ["password_reset"]
