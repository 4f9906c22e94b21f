"""The audit trail: entries join the action's transaction and keep who, what and when."""

from datetime import UTC, datetime

from sqlalchemy import select

from ambassador.audit import record_action
from ambassador.audit.models import AuditEntry
from ambassador.extensions import db


def test_an_entry_keeps_actor_target_and_snapshots(make_user):
    admin = make_user("admin", email="ada@example.com")
    target = make_user("marketer")
    record_action(admin, "user.role_changed", target, before={"role": "marketer"},
                  after={"role": "admin", "at": datetime(2026, 11, 2, tzinfo=UTC)})
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.actor_id, entry.actor_email, entry.action) == (
        admin.id, "ada@example.com", "user.role_changed")
    assert (entry.target_type, entry.target_id) == ("users", str(target.id))
    assert entry.before == {"role": "marketer"}
    assert entry.after == {"role": "admin", "at": "2026-11-02T00:00:00+00:00"}
    assert entry.created_at.tzinfo is not None


def test_a_rolled_back_action_leaves_no_entry(make_user):
    record_action(make_user("admin"), "import.run", ("import_runs", 7))
    db.session.rollback()
    assert db.session.scalar(select(AuditEntry)) is None


def test_the_entry_outlives_the_actor(make_user):
    admin = make_user("admin", email="gone@example.com")
    record_action(admin, "export.responses")
    db.session.commit()
    db.session.delete(admin)
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry))
    assert entry.actor_id is None and entry.actor_email == "gone@example.com"
