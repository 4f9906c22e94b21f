"""Marketers download or erase a customer's data on request, with or without an account."""

import json

from sqlalchemy import func, select

from ambassador.audit.models import AuditEntry
from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.nps.models import Customer, Response
from ambassador.testimonials.public import published_testimonials
from tests.conftest import utc


def _entries(action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_marketers_find_a_customer_and_download_their_data(client, login, make_user,
                                                           make_response):
    answer = make_response(score=4, email="zoe@acme.example", name="Zoé Martin",
                           comment="Too expensive")
    mo = login(make_user("marketer", email="mo@example.com"))
    listing = client.get("/dashboard/customers?q=zoé").get_data(as_text=True)
    assert "Zoé Martin" in listing and f"/dashboard/customers/{answer.customer_id}" in listing
    assert "Zoé" not in client.get("/dashboard/customers?q=nobody").get_data(as_text=True)
    page = client.get(f"/dashboard/customers/{answer.customer_id}").get_data(as_text=True)
    assert "zoe@acme.example" in page and "Erase this person" in page
    download = client.get(f"/dashboard/customers/{answer.customer_id}/data.json")
    data = json.loads(download.get_data(as_text=True))
    assert data["account"] is None and data["responses"][0]["comment"] == "Too expensive"
    [entry] = _entries("customer_data.exported")
    assert entry.actor_id == mo.id and entry.after == {"customer_id": answer.customer_id}


def test_erasing_needs_the_address_typed_exactly(client, login, make_user, make_response):
    answer = make_response(score=4, email="zoe@acme.example", comment="Too expensive")
    login(make_user("marketer"))
    for typed in ("", "zoe@acme", "someone@else.example"):
        response = client.post(f"/dashboard/customers/{answer.customer_id}/erase",
                               data={"confirmation": typed}, follow_redirects=True)
        assert "nothing was erased" in response.get_data(as_text=True).lower()
    assert db.session.get(Customer, answer.customer_id).email == "zoe@acme.example"
    assert _entries("customer.erased") == []


def test_erasing_a_customer_without_an_account_keeps_the_scores(
        client, login, make_user, make_response, runner, make_testimonial):
    make_response(score=10, email="other@example.com", responded_at=utc(2026, 10, 1))
    answer = make_response(score=3, email="zoe@acme.example", comment="Too expensive",
                           responded_at=utc(2026, 10, 2), company="Acme")
    before = runner.invoke(args=["nps", "score", "--all"]).output
    marketer = login(make_user("marketer", email="mo@example.com"))
    response = client.post(f"/dashboard/customers/{answer.customer_id}/erase",
                           data={"confirmation": "  ZOE@acme.example "}, follow_redirects=True)
    assert "personal data is erased" in response.get_data(as_text=True)
    assert runner.invoke(args=["nps", "score", "--all"]).output == before
    db.session.expire_all()
    customer = db.session.get(Customer, answer.customer_id)
    assert customer.email.endswith("@erased.invalid") and customer.erased_at is not None
    assert db.session.get(Response, answer.id).comment is None
    page = client.get(f"/dashboard/customers/{answer.customer_id}").get_data(as_text=True)
    assert "Erased customer" in page and "zoe@" not in page and "Erase this" not in page
    listing = client.get("/dashboard/customers?q=zoe").get_data(as_text=True)
    assert "Nobody matches" in listing
    [entry] = _entries("customer.erased")
    assert entry.actor_id == marketer.id and entry.target_id == str(answer.customer_id)
    assert entry.after["customer_record"]["responses"] == 1
    again = client.post(f"/dashboard/customers/{answer.customer_id}/erase",
                        data={"confirmation": customer.email}, follow_redirects=True)
    assert "already been erased" in again.get_data(as_text=True)


def test_erasing_a_customer_with_an_account_deletes_the_account(client, login, make_user,
                                                                 make_testimonial):
    testimonial = make_testimonial(status="approved")
    author = testimonial.user
    author_id, customer_id, email = author.id, author.customer_id, author.email
    assert len(published_testimonials()) == 1
    login(make_user("marketer"))
    client.post(f"/dashboard/customers/{customer_id}/erase", data={"confirmation": email})
    db.session.expire_all()
    assert db.session.get(User, author_id) is None
    assert published_testimonials() == []


def test_a_staff_account_is_not_erased_from_the_customer_page(client, login, make_user,
                                                              make_response):
    answer = make_response(score=10, email="boss@example.com")
    make_user("admin", email="boss@example.com", customer_id=answer.customer_id)
    login(make_user("marketer"))
    response = client.post(f"/dashboard/customers/{answer.customer_id}/erase",
                           data={"confirmation": "boss@example.com"}, follow_redirects=True)
    assert "belongs to a staff account" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id)).where(
        User.email == "boss@example.com")) == 1


def test_unknown_customers_are_a_404(client, login, make_user):
    login(make_user("marketer"))
    assert client.get("/dashboard/customers/999999").status_code == 404
    assert client.get("/dashboard/customers/999999/data.json").status_code == 404
    assert client.post("/dashboard/customers/999999/erase",
                       data={"confirmation": "x@example.com"}).status_code == 404
    assert client.get("/dashboard/customers?page=99999999999&q=%3Cscript%3E").status_code == 200
