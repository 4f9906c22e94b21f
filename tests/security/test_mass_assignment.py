"""Mass assignment: extra fields such as `role` or `status` added to a form are ignored;
only the fields the form declares are ever written."""

from sqlalchemy import select

from ambassador.extensions import db
from tests.conftest import PASSWORD

# What an attacker adds to any form they can post.
EXTRA = {"role": "admin", "status": "approved", "disabled": "", "is_admin": "1",
         "customer_id": "1", "user_id": "1", "pinned": "y", "locked": "y", "hidden": "",
         "idea_status": "shipped", "featured": "y", "verified_promoter": "y", "seats": "0",
         "latest_score": "10", "session_token": "known", "password_hash": "x"}


def _fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def test_the_account_form_cannot_make_a_promoter_an_admin(client, make_promoter, login):
    promoter = login(make_promoter())
    response = client.post("/account", data={"language": "fr", **EXTRA})
    assert response.status_code == 303
    user = _fresh(promoter)
    assert (user.role, user.disabled, user.language) == ("promoter", False, "fr")
    assert client.get("/admin/users").status_code == 403


def test_accepting_an_invitation_cannot_choose_a_role(client, make_response):
    import re

    from ambassador.auth.models import User
    from ambassador.mail.models import OutboxMessage
    from ambassador.portal.invitations import send_invitations

    make_response(score=10, email="newcomer@example.com")
    send_invitations()
    db.session.commit()
    mail = db.session.scalars(select(OutboxMessage)).one()
    link = re.search(r"/welcome/[\w-]+", mail.body_text).group(0)
    response = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD, **EXTRA})
    assert response.status_code == 303
    user = db.session.scalars(select(User).where(User.email == "newcomer@example.com")).one()
    assert user.role == "promoter"
    assert client.get("/dashboard").status_code == 403


def test_login_cannot_set_anything_but_the_session(client, make_user):
    user = make_user("marketer")
    client.post("/login", data={"email": user.email, "password": PASSWORD, **EXTRA})
    assert _fresh(user).role == "marketer"


def test_a_promoters_testimonial_stays_pending_whatever_the_form_says(
        client, make_promoter, login):
    from ambassador.testimonials.models import Testimonial

    login(make_promoter())
    form = {"body": "They answered the same day, every time.", "rating": "5",
            "author_name": "Ada", "name_format": "full", "author_title": "CTO",
            "language": "en", "consent_text": "y", "consent_name": "y", **EXTRA}
    assert client.post("/portal/testimonials/new", data=form).status_code == 303
    testimonial = db.session.scalars(select(Testimonial)).one()
    assert testimonial.status == "pending"
    assert not testimonial.featured


def test_a_new_thread_is_not_pinned_locked_or_given_an_idea_status(
        client, make_promoter, make_user, login):
    from ambassador.forum import moderation
    from ambassador.forum.models import Thread

    ideas = moderation.save_category(make_user("marketer"), None, "Ideas", kind="ideas")
    db.session.commit()
    login(make_promoter())
    response = client.post(f"/forum/c/{ideas.id}/new",
                           data={"title": "Dark mode", "body": "Please", **EXTRA})
    assert response.status_code in (302, 303)
    thread = db.session.scalars(select(Thread)).one()
    assert (thread.pinned, thread.locked, thread.hidden) == (False, False, False)
    assert thread.idea_status == "under_review"  # never "done" or "shipped" from the form


def test_joining_a_full_program_puts_you_on_the_waiting_list_whatever_you_send(
        client, make_program, make_promoter, login):
    from ambassador.programs.models import Enrollment

    program = make_program(seats=1)
    login(make_promoter())
    first = client.post(f"/programs/{program.id}/join", data=EXTRA)
    assert first.status_code == 303
    client.post("/logout")
    login(make_promoter())
    assert client.post(f"/programs/{program.id}/join",
                       data={**EXTRA, "status": "enrolled"}).status_code == 303
    assert client.post(f"/programs/{program.id}/join",
                       data={**EXTRA, "status": "enrolled", "waitlist": "1"}).status_code == 303
    statuses = sorted(e.status for e in db.session.scalars(select(Enrollment)))
    assert statuses == ["enrolled", "waiting"]


def test_the_api_cannot_set_a_customers_status(client):
    from ambassador.auth.tokens import create_api_token
    from ambassador.nps.models import Customer

    raw = create_api_token("Survey tool")[1]
    db.session.commit()
    response = client.post("/api/v1/responses", headers={"Authorization": f"Bearer {raw}"},
                           json={"email": "low@example.com", "score": 3, "status": "active",
                                 "role": "admin"})
    assert response.status_code in (201, 400)
    customer = db.session.scalars(select(Customer)).first()
    assert customer is None or customer.status != "active"


def test_an_admin_invite_only_gives_the_roles_in_the_list(client, make_user, login):
    from ambassador.auth.models import User

    login(make_user("admin"))
    response = client.post("/admin/users/invite", data={
        "email": "root@example.com", "name": "Root", "role": "superuser"})
    assert response.status_code == 400
    assert db.session.scalars(select(User).where(User.email == "root@example.com")).first() \
        is None
