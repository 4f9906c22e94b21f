"""The admins' audit page: filters, pages, CSV; and no way to change an entry."""

import csv
import io

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from ambassador.audit import record_action
from ambassador.audit.models import AuditEntry
from ambassador.extensions import db
from tests.conftest import utc


@pytest.fixture
def admin(make_user, login):
    return login(make_user("admin", email="ada@example.com"))


def _entry(actor, action, target=("users", 1), when=None, **snap):
    if when is None:
        return record_action(actor, action, target, after=snap or None)
    kind, ident = target or ("", "")
    entry = AuditEntry(actor_id=actor.id, actor_email=actor.email, action=action,
                       target_type=kind, target_id=str(ident), after=snap or None,
                       created_at=when)
    db.session.add(entry)
    return entry


@pytest.fixture
def trail(admin, make_user):
    mo = make_user("marketer", email="mo@example.com")
    _entry(mo, "offer.created", ("offers", 3), utc(2026, 10, 2, 9), title="Gift")
    _entry(mo, "user.role_changed", ("users", 7), utc(2026, 11, 5, 9), role="admin")
    _entry(admin, "user.disabled", ("users", 7), utc(2026, 11, 20, 9))
    _entry(admin, "responses.exported", None, utc(2026, 11, 21, 9), quarter="all")
    db.session.commit()
    return mo


def _rows(page: str) -> int:
    return page.count('<tr>') - 1  # the header row


def test_the_page_lists_entries_newest_first_with_before_and_after(client, trail):
    page = client.get("/admin/audit").get_data(as_text=True)
    assert page.index("<code>responses.exported<") < page.index("<code>offer.created<")
    assert "mo@example.com" in page and "offers 3" in page
    assert "&#34;title&#34;: &#34;Gift&#34;" in page or '"title": "Gift"' in page
    assert "4 entries." in page


def test_snapshots_show_accents_as_written_and_markup_escaped(client, admin):
    _entry(admin, "offer.created", ("offers", 4), utc(2026, 11, 2, 9),
           title="Réduction d'été <b>-20 %</b>", note="İndirim Çarşamba")
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Réduction d&#39;été &lt;b&gt;-20 %&lt;/b&gt;" in page
    assert "İndirim Çarşamba" in page and "\\u00e9" not in page and "<b>-20" not in page
    exported = client.get("/admin/audit/export.csv").get_data(as_text=True)
    assert "Réduction d'été <b>-20 %</b>" in exported and "\\u00e9" not in exported


@pytest.mark.parametrize("query, shown", [
    ("actor=MO@", ["user.role_changed", "offer.created"]),
    ("action=user", ["user.disabled", "user.role_changed"]),
    ("action=user.disabled", ["user.disabled"]),
    ("type=offers", ["offer.created"]),
    ("type=users&object=7", ["user.disabled", "user.role_changed"]),
    ("from=2026-11-01&to=2026-11-20", ["user.disabled", "user.role_changed"]),
    ("to=2026-10-02", ["offer.created"]),
    ("from=garbage&to=2026-99-99&type=", ["responses.exported", "user.disabled",
                                             "user.role_changed", "offer.created"]),
])
def test_filters_narrow_the_page_and_the_export(client, trail, query, shown):
    page = client.get(f"/admin/audit?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    actions = ["responses.exported", "user.disabled", "user.role_changed", "offer.created"]
    assert [a for a in actions if f"<code>{a}</code>" in html] == shown
    exported = client.get(f"/admin/audit/export.csv?{query}")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["action"] for row in rows if row["action"] != "audit.exported"] == shown


def test_pages_of_fifty(client, admin):
    for n in range(55):
        _entry(admin, "widget.updated", ("widgets", n))
    db.session.commit()
    first = client.get("/admin/audit?action=widget").get_data(as_text=True)
    assert "Page 1 of 2" in first and first.count("<code>widget.updated</code>") == 50
    assert "page=2" in first and "action=widget" in first
    second = client.get("/admin/audit?action=widget&page=2").get_data(as_text=True)
    assert second.count("<code>widget.updated</code>") == 5
    assert client.get("/admin/audit?page=99999999999999").status_code == 200


def test_the_export_is_our_csv_and_is_itself_recorded(client, admin):
    _entry(admin, "forum.category_created", ("categories", 1), name="=HYPERLINK(1)")
    db.session.commit()
    response = client.get("/admin/audit/export.csv")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and body.startswith("\ufeffid,created_at,")
    rows = csv.DictReader(io.StringIO(body.lstrip("\ufeff")))
    row = next(r for r in rows if r["action"] == "forum.category_created")
    assert row["after"] == '{"name": "=HYPERLINK(1)"}'  # JSON text, starting with {
    last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last.action == "audit.exported"


def test_only_admins_open_it_and_the_menu_shows_it_to_admins_only(client, make_user, login):
    login(make_user("marketer"))
    assert client.get("/admin/audit").status_code == 403
    assert "Audit trail" not in client.get("/dashboard").get_data(as_text=True)
    client.post("/logout")
    login(make_user("admin"))
    assert "Audit trail" in client.get("/dashboard").get_data(as_text=True)


def test_no_route_can_change_an_entry(app):
    """The application offers nothing that edits or deletes an audit entry."""
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule or rule.endpoint.startswith("audit."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    assert not [name for name in dir(__import__("ambassador.audit.services").audit.services)
                if name.startswith(("delete", "update", "edit", "purge"))]


def test_posting_to_the_audit_pages_is_refused(client, trail):
    before = db.session.scalar(select(db.func.count(AuditEntry.id)))
    for url in ("/admin/audit", "/admin/audit/export.csv", "/admin/audit/1"):
        assert client.post(url).status_code in (404, 405)
        assert client.delete(url).status_code in (404, 405)
    assert db.session.scalar(select(db.func.count(AuditEntry.id))) == before


def test_postgresql_refuses_to_update_or_delete_an_entry(app, make_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL; SQLite keeps the rule in the app")
    admin = make_user("admin")
    record_action(admin, "user.disabled", ("users", 2))
    db.session.commit()
    for sql in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries",
                "TRUNCATE audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(sql))
        db.session.rollback()
    assert db.session.scalar(select(AuditEntry.action)) == "user.disabled"
    db.session.delete(db.session.merge(admin))  # ON DELETE SET NULL is still allowed
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry))
    assert entry.actor_id is None and entry.actor_email == admin.email
