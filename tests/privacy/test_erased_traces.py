"""After an erasure no audit entry names the person, and their idea votes count no more."""

import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from ambassador.audit import record_action
from ambassador.audit.models import AuditEntry
from ambassador.extensions import db
from ambassador.forum.models import Thread, Vote
from tests.conftest import PASSWORD
from tests.testimonials.conftest import BODY

EDITED = "They answered the same day. Hélène saves hours every week."
REASON = "Hélène, could you leave out your colleague's name?"


def _everything() -> str:
    """Every audit entry's before and after, as one text to search."""
    return json.dumps([[e.before, e.after] for e in db.session.scalars(select(AuditEntry))],
                      ensure_ascii=False).lower()


def _rows(*ids) -> dict:
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id.in_(ids)))
    return {e.id: (e.created_at, e.actor_id, e.actor_email, e.action, e.target_type,
                   e.target_id, e.before, e.after, e.redacted_at) for e in entries}


def _csv(client, login, make_user) -> str:
    client.post("/logout")
    login(make_user("admin", email="auditor@example.com"))
    response = client.get("/admin/audit/export.csv")
    assert response.status_code == 200
    return response.get_data(as_text=True).lower()


def test_deleting_an_account_leaves_no_address_or_text_in_the_audit_trail(
        client, login, helene, make_user, make_testimonial):
    from ambassador.auth import services as accounts
    from ambassador.checkins import followup_actions
    from ambassador.checkins.followup_models import FollowUp
    from ambassador.testimonials import moderation
    from ambassador.testimonials.models import Testimonial

    mo = accounts.get_user_by_email("mo@example.com")
    testimonial = db.session.get(Testimonial, helene.testimonial_id)
    moderation.edit_body(testimonial, mo, EDITED)
    moderation.reject(testimonial, mo, REASON)
    [task] = db.session.scalars(select(FollowUp).where(FollowUp.customer_id
                                                       == helene.customer_id))
    followup_actions.send_reply(mo, task, "We now answer within a day.")
    record_action(mo, "user.invited", helene, after={"email": helene.email, "role": "promoter"})
    record_action(mo, "user.role_changed", helene, before={"role": "promoter"},
                  after={"role": "promoter"})
    # someone else's entries, which must not move
    other = make_testimonial(status="approved", body="Another happy customer, Zoé.")
    moderation.edit_body(other, mo, "Another very happy customer, Zoé.")
    kept = record_action(mo, "user.invited", ("users", 999),
                         after={"email": "zoe@acme.example", "role": "promoter"})
    db.session.commit()
    others = _rows(kept.id, *db.session.scalars(select(AuditEntry.id).where(
        AuditEntry.target_type == "testimonials", AuditEntry.target_id == str(other.id))))
    assert len(others) == 2  # the invitation and the other testimonial's edit
    about = {e.id: e for e in db.session.scalars(select(AuditEntry))
             if (e.target_type, e.target_id) in {("testimonials", str(testimonial.id)),
                                                 ("users", str(helene.id)),
                                                 ("follow_ups", str(task.id))}}
    untouched = {i for i, e in about.items() if e.action == "user.role_changed"}
    shapes = {i: (e.created_at, e.actor_id, e.action, e.target_type, e.target_id)
              for i, e in about.items()}
    assert "helene@lumiere.example" in _everything() and BODY.lower() in _everything()

    login(helene)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 303

    db.session.expire_all()
    trail = _everything()
    for secret in ("helene@lumiere.example", BODY, EDITED, REASON):
        assert secret.lower() not in trail, secret
    assert _rows(*others) == others  # other people's entries are exactly as they were
    for ident, shape in shapes.items():  # who, what, when and the object stay
        entry = db.session.get(AuditEntry, ident)
        assert (entry.created_at, entry.actor_id, entry.action, entry.target_type,
                entry.target_id) == shape
        assert (entry.redacted_at is None) == (ident in untouched)
    edit = next(e for e in about.values() if e.action == "testimonial.edit")
    assert (edit.before, edit.after) == ({"body": "[erased]"}, {"body": "[erased]"})
    reject = next(e for e in about.values() if e.action == "testimonial.reject")
    assert reject.after == {"status": "rejected", "reason": "[erased]"}
    invited = next(e for e in about.values() if e.action == "user.invited")
    assert invited.after == {"email": "[erased]", "role": "promoter"}
    replied = next(e for e in about.values() if e.action == "follow_up.replied")
    assert replied.after == {"to": "[erased]"}
    export = _csv(client, login, make_user)
    assert "helene@lumiere.example" not in export and BODY.lower() not in export
    assert "zoe@acme.example" in export  # someone else's invitation is still there


def test_erasing_a_customer_redacts_their_invitations_and_replies(
        client, login, make_user, make_response):
    from ambassador.auth import services as accounts
    from ambassador.checkins import followup_actions
    from ambassador.checkins.followup_models import FollowUp
    from ambassador.portal import ignored

    admin = make_user("admin", email="ada@example.com")
    mo = make_user("marketer", email="mo@example.com")
    customer_id = make_response(score=10, email="zoe@acme.example", name="Zoé").customer_id
    ignored.invite_again(customer_id, mo)
    accounts.invite_user("Zoe@Acme.example", "promoter", acting=admin)
    make_response(score=3, email="zoe@acme.example")
    task = db.session.scalar(select(FollowUp).where(FollowUp.customer_id == customer_id))
    followup_actions.send_reply(mo, task, "We lowered the price.")
    db.session.commit()
    assert "zoe@acme.example" in _everything()

    login(mo)
    response = client.post(f"/dashboard/customers/{customer_id}/erase",
                           data={"confirmation": "zoe@acme.example"}, follow_redirects=True)
    assert "personal data is erased" in response.get_data(as_text=True)

    db.session.expire_all()
    assert "zoe@" not in _everything()
    actions = {e.action for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.redacted_at.is_not(None)))}
    assert actions == {"invitation.sent_again", "user.invited", "follow_up.replied"}
    client.post("/logout")
    login(admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert page.count("Personal data erased on") == 3 and "zoe@" not in page.lower()
    assert "zoe@" not in _csv(client, login, make_user)


def test_an_address_typed_anywhere_in_the_trail_is_erased_too(client, login, make_user,
                                                              make_response):
    mo = make_user("marketer", email="mo@example.com")
    customer_id = make_response(score=10, email="zoe@acme.example", name="Zoé").customer_id
    # entries about other objects, where a marketer typed the address in free text
    typed = [record_action(mo, "referral.ledger_adjusted", ("reward_entries", 7),
                           after={"kind": "points", "reason": "Bonus: ZOE@acme.example's friend"}),
             record_action(mo, "program.messaged", ("programs", 3),
                           after={"subject": "Beta", "to": ["x@example.com", "zoe@acme.example"]})]
    kept = [record_action(mo, "referral.ledger_adjusted", ("reward_entries", 8),
                          after={"reason": "Bonus: leo@acme.example's friend"}),
            record_action(mo, "program.messaged", ("programs", 3), after={"to": ["x@example.com"]})]
    db.session.commit()
    untouched = _rows(*(e.id for e in kept))

    login(mo)
    client.post(f"/dashboard/customers/{customer_id}/erase",
                data={"confirmation": "zoe@acme.example"})
    db.session.expire_all()
    assert "zoe@" not in _everything()
    first, second = (db.session.get(AuditEntry, e.id) for e in typed)
    assert first.after == {"kind": "points", "reason": "[erased]"} and first.redacted_at
    assert second.after == {"subject": "Beta", "to": ["x@example.com", "[erased]"]}
    assert _rows(*(e.id for e in kept)) == untouched


def test_an_address_stored_with_escapes_is_found(app):
    from ambassador.audit.services import redact_mentions

    entry = record_action(None, "referral.reward_redeemed", ("reward_entries", 1),
                          after={"reason": "Gift for çağla@örnek.com.tr"})
    db.session.commit()
    assert redact_mentions(["Çağla@örnek.com.tr".lower()]) == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(AuditEntry, entry.id).after == {"reason": "[erased]"}


def test_postgresql_still_refuses_any_other_change_to_an_entry(app, make_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL; SQLite keeps the rule in the app")
    from ambassador.audit.services import redact_entries

    admin = make_user("admin")
    record_action(admin, "user.invited", ("users", 5), after={"email": "a@example.com",
                                                               "role": "marketer"})
    db.session.commit()
    refused = [
        "UPDATE audit_entries SET action = 'x'",
        "UPDATE audit_entries SET after = '{\"email\": \"b@example.com\", \"role\": "
        "\"marketer\"}', redacted_at = now()",  # not a redaction: another value
        "UPDATE audit_entries SET after = '{\"email\": \"[erased]\"}', redacted_at = now()",
        "UPDATE audit_entries SET after = '{\"email\": \"[erased]\", \"role\": \"marketer\"}', "
        "redacted_at = now(), action = 'user.created'",
        "UPDATE audit_entries SET after = '{\"email\": \"[erased]\", \"role\": \"marketer\"}'",
        "UPDATE audit_entries SET after = NULL, redacted_at = now()",
    ]
    for sql in refused:
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(sql))
        db.session.rollback()
    assert db.session.scalar(select(AuditEntry.after))["email"] == "a@example.com"
    assert redact_entries("users", [5], keys=("email",)) == 1
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry))
    assert entry.after == {"email": "[erased]", "role": "marketer"}
    with pytest.raises(DBAPIError, match="append-only"):  # nor can it be put back
        db.session.execute(text("UPDATE audit_entries SET after = '{\"email\": "
                                "\"a@example.com\", \"role\": \"marketer\"}'"))
    db.session.rollback()


def test_an_erased_members_idea_votes_are_taken_back(client, login, helene, make_promoter,
                                                     make_user):
    from ambassador.forum import moderation
    from ambassador.forum import services as forum

    mo = make_user("marketer", email="ideas@example.com")
    ideas = moderation.save_category(mo, None, "Ideas", kind="ideas")
    dark = forum.create_thread(make_promoter(), ideas, "Dark mode", "Please")
    export = forum.create_thread(helene, ideas, "Excel export", "For the board")
    voters = [helene, make_promoter(), make_promoter()]
    for person in voters:
        forum.toggle_vote(person, dark)
    forum.toggle_vote(helene, export)
    db.session.commit()
    assert (dark.vote_count, export.vote_count) == (3, 1)

    login(helene)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 303

    db.session.expire_all()
    for thread in db.session.scalars(select(Thread)):
        rows = db.session.scalar(select(func.count()).select_from(Vote).where(
            Vote.thread_id == thread.id))
        assert thread.vote_count == rows
    assert (db.session.get(Thread, dark.id).vote_count,
            db.session.get(Thread, export.id).vote_count) == (2, 0)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.deleted"))
    assert entry.after["account"]["votes"] == 2
