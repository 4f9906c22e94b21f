"""Every marketer and admin action leaves an audit entry: who, what, object, before/after."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from ambassador.audit.models import AuditEntry
from ambassador.auth.models import ApiToken, User
from ambassador.extensions import db
from ambassador.imports.models import ImportRun, ImportUpload
from ambassador.utils import new_token, utcnow
from tests.imports.pages import preview_of, submit


def entries(action=None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


def only(action) -> AuditEntry:
    found = entries(action)
    assert len(found) == 1, [e.action for e in entries()]
    return found[0]


@pytest.fixture
def admin(make_user, login):
    return login(make_user("admin", email="ada@example.com"))


@pytest.fixture
def marketer(make_user, login):
    return login(make_user("marketer", email="mo@example.com"))


def test_a_role_change_keeps_who_before_and_after(client, admin, make_user):
    person = make_user("promoter")
    client.post(f"/admin/users/{person.id}/role", data={"role": "marketer"})
    entry = only("user.role_changed")
    assert (entry.actor_email, entry.target_type, entry.target_id) == (
        "ada@example.com", "users", str(person.id))
    assert (entry.before, entry.after) == ({"role": "promoter"}, {"role": "marketer"})


def test_a_refused_role_change_leaves_no_entry(client, admin):
    client.post(f"/admin/users/{admin.id}/role", data={"role": "promoter"})  # last admin
    assert entries("user.role_changed") == []
    assert db.session.get(User, admin.id).role == "admin"


def test_disable_and_enable_are_recorded(client, admin, make_user):
    person = make_user("marketer")
    client.post(f"/admin/users/{person.id}/disable")
    client.post(f"/admin/users/{person.id}/enable")
    assert [e.action for e in entries()] == ["user.disabled", "user.enabled"]
    assert entries()[0].after == {"disabled": True}


def test_invitations_and_tokens_are_recorded(client, admin):
    client.post("/admin/users/invite", data={"email": "new@example.com", "name": "New",
                                             "role": "marketer"})
    client.post("/admin/tokens", data={"name": "Typeform"})
    token = db.session.scalar(select(ApiToken))
    client.post(f"/admin/tokens/{token.id}/revoke")
    assert only("user.invited").after == {"email": "new@example.com", "role": "marketer"}
    created = only("token.created")
    assert created.after["name"] == "Typeform" and token.token_hash not in str(created.after)
    assert only("token.revoked").target_id == str(token.id)


def test_command_line_actions_are_recorded_without_an_actor(runner):
    runner.invoke(args=["tokens", "create", "Cron"])
    runner.invoke(args=["users", "create", "cli@example.com", "--role", "admin"])
    assert [(e.action, e.actor_id, e.actor_email) for e in entries()] == [
        ("token.created", None, ""), ("user.created", None, "")]


def test_an_import_queued_and_retried_is_recorded(client, marketer):
    url, html = preview_of(client, b"email,score\nann@example.com,10\n")
    submit(client, url, html)
    queued = only("import.queued")
    assert queued.actor_email == "mo@example.com" and queued.after["rows"] == 1
    upload = ImportUpload(token=new_token(), user_id=marketer.id, filename="q.csv",
                          data=b"email,score\nbob@example.com,9\n")
    db.session.add(upload)
    db.session.flush()
    run = ImportRun(user_id=marketer.id, upload_id=upload.id, filename="q.csv", state="failed",
                    updated_at=utcnow() - timedelta(hours=1))
    db.session.add(run)
    db.session.commit()
    client.post(f"/import/runs/{run.id}/retry")
    assert only("import.retried").target_id == str(run.id)


def test_sending_invitations_from_the_dashboard_is_recorded(client, marketer, make_response):
    make_response(score=10, email="fan@example.com")
    client.post("/dashboard/invitations")
    assert only("invitations.sent").after == {"invited": 1}


def test_review_sites_and_testimonial_requests_are_recorded(client, marketer, make_response):
    client.post("/dashboard/testimonials/sites",
                data={"name": "G2", "url": "https://www.g2.com/x"})
    site = only("review_site.added")
    client.post(f"/dashboard/testimonials/sites/{site.target_id}/remove")
    assert only("review_site.removed").before["name"] == "G2"
    answer = make_response(score=10, email="quote@example.com", comment="Great")
    client.post("/dashboard/testimonials/requests",
                data={"customer_id": answer.customer_id, "response_id": answer.id})
    assert only("testimonial.requested").after == {"customer_id": answer.customer_id,
                                                   "response_id": answer.id}


@pytest.mark.parametrize("url, action, after", [
    ("/dashboard/export.csv?quarter=all&company=Acme", "responses.exported",
     {"quarter": "all", "company": "Acme"}),
    ("/dashboard/testimonials/export.csv", "testimonials.exported", None),
])
def test_every_export_download_is_recorded(client, marketer, url, action, after):
    response = client.get(url)
    assert response.status_code == 200
    entry = only(action)
    assert entry.actor_email == "mo@example.com" and entry.after == after


def test_offer_and_program_exports_are_recorded(client, marketer, make_program):
    from ambassador.offers import services as offers

    offer = offers.create_offer(marketer, {"title": "Gift", "code_mode": "shared",
                                           "shared_code": "MERCI", "starts_at": utcnow()})
    db.session.commit()
    program = make_program()
    assert client.get(f"/dashboard/offers/{offer.id}/redemptions.csv").status_code == 200
    assert client.get(f"/dashboard/programs/{program.id}/enrollments.csv").status_code == 200
    assert client.get(f"/dashboard/programs/{program.id}/feedback.csv").status_code == 200
    assert only("redemptions.exported").after == {"offer_id": offer.id}
    assert only("enrollments.exported").after == {"program_id": program.id}
    assert only("feedback.exported").after == {"program_id": program.id}


def test_a_failed_export_records_nothing(client, marketer):
    assert client.get("/dashboard/export.csv?quarter=2026-Q9").status_code == 400
    assert entries() == []
