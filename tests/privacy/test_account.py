"""A promoter downloads their data and deletes their account; the NPS figures do not move."""

import json

from sqlalchemy import func, select

from ambassador.audit.models import AuditEntry
from ambassador.auth.models import PasswordToken, User
from ambassador.extensions import db
from ambassador.forum.models import Post
from ambassador.mail.models import OutboxMessage
from ambassador.nps.models import Customer, QuarterScore, Response
from ambassador.offers.models import Offer, OfferCode
from ambassador.portal.models import Invitation
from ambassador.programs.models import Enrollment, Program
from ambassador.testimonials import models as tm
from ambassador.testimonials.public import published_testimonials
from tests.conftest import PASSWORD


def _data(client) -> dict:
    response = client.get("/account/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    return json.loads(response.get_data(as_text=True))


def test_the_download_holds_everything_about_the_promoter(client, login, helene):
    login(helene)
    data = _data(client)
    assert data["account"]["email"] == "helene@lumiere.example"
    assert "password_hash" not in json.dumps(data) and helene.password_hash not in json.dumps(data)
    assert data["customer"]["company"] == "Lumière"
    assert [r["score"] for r in data["responses"]] == [6, 10]
    assert data["responses"][1]["comment"] == "Lovely people — Hélène"
    assert data["responses"][1]["contact_ref"] == "CRM-77"
    assert data["enrollments"][0]["program_id"] == helene.program_id
    assert data["offer_codes"][0]["code"] in ("CODE-1", "CODE-2")
    [testimonial] = data["testimonials"]
    assert testimonial["author_name"] == "Hélène Dupré" and testimonial["status"] == "approved"
    assert {c["scope"] for c in testimonial["consents"] if c["granted"]} == {
        "text", "name", "photo", "company"}
    assert data["forum"]["posts"][0]["body"] == "Bonjour à tous, Hélène"
    assert data["forum"]["threads"][0]["title"] == "Hello from Lyon"


def test_others_data_is_never_in_the_download(client, login, helene, make_promoter, others):
    login(make_promoter(email="someone@example.com"))
    text = client.get("/account/data.json").get_data(as_text=True)
    assert "helene" not in text.lower() and "Lyon" not in text and "other1@" not in text


def test_a_wrong_password_deletes_nothing(client, login, helene):
    login(helene)
    page = client.post("/account/delete", data={"password": "not my password"})
    assert page.status_code == 400 and "That is not your password" in page.get_data(as_text=True)
    assert db.session.get(User, helene.id) is not None
    assert db.session.scalar(select(tm.Testimonial.status)) == "approved"


def test_staff_cannot_use_the_promoters_delete_page(client, login, make_user):
    login(make_user("admin"))
    assert client.get("/account/delete").status_code == 403
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 403


def test_deleting_the_account_erases_the_person_and_keeps_the_figures(
        client, login, helene, others, figures, outbox):
    from ambassador.auth import services as accounts

    accounts.request_password_reset(helene.email)
    db.session.add(Invitation(customer_id=helene.customer_id, token_hash="x" * 64,
                              expires_at=helene.created_at))
    db.session.commit()
    customer_id, user_id, thread_id = helene.customer_id, helene.id, helene.thread_id
    program_id, offer_id = helene.program_id, helene.offer_id
    assert len(published_testimonials()) == 1
    assert outbox(to="helene@lumiere.example")  # the reset mail
    before = figures()
    login(helene)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "download all your data" in page and "a former member" in page
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "Your account and your personal data are deleted" in client.get("/login").get_data(
        as_text=True)

    assert figures() == before  # nps score, dashboard and accounts: the same, to the digit
    db.session.expire_all()
    # the account, its sessions, links, seat and code ownership go
    assert db.session.get(User, user_id) is None
    assert client.get("/portal").status_code == 302  # the cookie opens nothing any more
    assert db.session.scalar(select(func.count(PasswordToken.id))) == 0
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0
    assert db.session.get(Program, program_id).taken == 0
    code = db.session.scalar(select(OfferCode).where(OfferCode.claimed_at.is_not(None)))
    assert code.user_id is None  # the code stays used: it is never handed out again
    assert db.session.get(Offer, offer_id).claimed == 1
    # testimonials are withdrawn and gone: from widgets at once, consents and photo with them
    assert published_testimonials() == []
    assert client.get("/api/v1/widgets/site").get_json()["testimonials"] == []
    for model in (tm.Testimonial, tm.TestimonialConsent, tm.TestimonialPhoto, Invitation):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    # the customer is an anonymous placeholder, the responses bare scores
    customer = db.session.get(Customer, customer_id)
    assert customer.email == f"erased-{customer_id}@erased.invalid"
    assert (customer.name, customer.language, customer.status) == (None, None, "none")
    assert customer.erased_at is not None and customer.company == "Lumière"
    answers = list(db.session.scalars(select(Response).where(Response.customer_id
                                                             == customer_id)))
    assert sorted(r.score for r in answers) == [6, 10]
    assert all(r.comment is r.contact_ref is r.external_id is r.language is None
               and r.anonymised_at is not None for r in answers)
    assert db.session.scalar(select(func.count()).select_from(QuarterScore).where(
        QuarterScore.customer_id == customer_id)) == 2
    # mail to them keeps no address and no body
    assert outbox(to="helene@lumiere.example") == []
    for message in db.session.scalars(select(OutboxMessage)):
        assert "helene" not in (message.body_text + message.body_html + message.to_addr).lower()
    # the forum post stays, signed by a former member
    post = db.session.scalar(select(Post))
    assert post.author_id is None and post.body == "Bonjour à tous, Hélène"
    login_as_other(client, login)
    thread = client.get(f"/forum/t/{thread_id}").get_data(as_text=True)
    assert "a former member" in thread and "Bonjour à tous" in thread
    assert "helene@" not in thread.lower()
    # recorded, with counts and no personal data
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.deleted"))
    assert (entry.target_type, entry.target_id) == ("customers", str(customer_id))
    assert entry.after["testimonials"]["testimonials"] == 1
    assert "helene" not in json.dumps(entry.after).lower()


def login_as_other(client, login):
    from ambassador.auth import services as accounts

    other = accounts.create_user("reader@example.com", "marketer", "Reader", password=PASSWORD)
    db.session.commit()
    login(other)


def test_an_erased_customer_is_never_invited_again(client, login, helene, runner):
    login(helene)
    client.post("/account/delete", data={"password": PASSWORD})
    result = runner.invoke(args=["invitations", "send"])
    assert result.output.strip() == "invited 0"
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "invitation")) == 0


def test_a_second_delete_after_the_first_finds_no_account(client, login, helene):
    login(helene)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 303
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 302
