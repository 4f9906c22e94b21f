"""Account rules without a browser: users, passwords, one-time links, roles, API tokens."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ambassador.auth import services
from ambassador.auth.models import PasswordToken, User
from ambassador.extensions import db
from ambassador.utils import ServiceError, hash_token, utcnow
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-brand-new-password"
LINK_RE = re.compile(r"http://ambassador\.test/password/reset/([A-Za-z0-9_-]{20,})")


def raw_token(link: str) -> str:
    """The secret part of a set/reset-password link."""
    match = LINK_RE.fullmatch(link)
    assert match, link
    return match.group(1)


def later(monkeypatch, **delta) -> None:
    """Move the services' clock forward."""
    moment = utcnow() + timedelta(**delta)
    monkeypatch.setattr(services, "utcnow", lambda: moment)


# --- creating people -----------------------------------------------------------------------

def test_create_user_normalises_email_and_stores_only_a_hash(app):
    user = services.create_user("  Ada.Lovelace@Example.COM ", "marketer", " Ada ", PASSWORD)
    assert user.email == "ada.lovelace@example.com"
    assert user.name == "Ada"
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")  # TestingConfig's fast method
    assert check_password_hash(user.password_hash, PASSWORD)
    assert len(user.session_token) >= 16


def test_production_hashes_with_scrypt(app, monkeypatch):
    from config import ProductionConfig

    assert not hasattr(ProductionConfig, "PASSWORD_HASH_METHOD")
    monkeypatch.delitem(app.config, "PASSWORD_HASH_METHOD")
    user = services.create_user("s@example.com", "promoter", password=PASSWORD)
    assert user.password_hash.startswith("scrypt:")
    assert services.authenticate("s@example.com", PASSWORD) is user


@pytest.mark.parametrize("email, role, password, message", [
    ("", "admin", None, "email address is required"),
    ("   ", "admin", None, "email address is required"),
    ("not-an-email", "admin", None, "not a valid email"),
    ("two@@example.com", "admin", None, "not a valid email"),
    ("a@b", "admin", None, "not a valid email"),
    ("<script>@x.com", "admin", None, "not a valid email"),
    ("x" * 10_000 + "@example.com", "admin", None, "not a valid email"),
    ("ok@example.com", "superuser", None, "Unknown role 'superuser'"),
    ("ok@example.com", "", None, "Unknown role"),
    ("ok@example.com", "admin", "", "at least 10 characters"),
    ("ok@example.com", "admin", "short", "at least 10 characters"),
    ("ok@example.com", "admin", "p" * 1_000_000, "at most 256 characters"),
    ("ok@example.com", "admin", "aaaaaaaaaa", "repeats one or two characters"),
    ("ok@example.com", "admin", "abababababab", "repeats one or two characters"),
    ("ok@example.com", "admin", "1234567890", "a row of keys"),
    ("ok@example.com", "admin", "QWERTYUIOP", "a row of keys"),
    ("ok@example.com", "admin", "9876543210", "a row of keys"),
    ("ok@example.com", "admin", "Password123", "most common"),
    ("ok@example.com", "admin", "motdepasse123", "most common"),
    ("ok@example.com", "admin", "ok@example.com!", "must not be your email"),
    ("irmak.isik@example.com", "admin", "Irmak.Isik2026", "the part before the @"),
])
def test_create_user_refuses_bad_input_with_a_clear_message(app, email, role, password, message):
    with pytest.raises(ServiceError, match=message):
        services.create_user(email, role, password=password)
    db.session.rollback()
    assert db.session.scalar(select(User)) is None


def test_create_user_refuses_a_duplicate_email_in_any_case(app, make_user):
    make_user("marketer", email="dup@example.com")
    with pytest.raises(services.Conflict, match="already an account for dup@example.com"):
        services.create_user("DUP@example.com ", "admin")


def test_losing_a_race_on_the_email_is_a_conflict_not_a_crash(app, make_user, monkeypatch):
    make_user("marketer", email="race@example.com")
    # The other request inserted between our check and our insert.
    monkeypatch.setattr(services, "get_user_by_email", lambda email: None)
    with pytest.raises(services.Conflict, match="already an account"):
        services.create_user("race@example.com", "admin")
    db.session.rollback()
    assert len(db.session.scalars(select(User)).all()) == 1


def test_long_names_are_cut_and_markup_is_kept_as_text(app):
    user = services.create_user("n@example.com", "promoter", "<b>" + "x" * 400)
    assert len(user.name) == 255
    assert user.name.startswith("<b>")


# --- logging in and sessions ---------------------------------------------------------------

@pytest.mark.parametrize("password", ["correct-horse-battery", "Un-mot-de-passe-2026",
                                      "kırmızı elma ağacı", "1234567890-tramway",
                                      "anna-purna-trek-2026"])
def test_a_long_unguessable_password_is_accepted(app, password):
    assert services.create_user("anna@example.com", "promoter", password=password).email == (
        "anna@example.com")


def test_authenticate_accepts_right_password_in_any_email_case(app, make_user):
    user = make_user("promoter", email="pat@example.com")
    assert user.last_login_at is None
    assert services.authenticate(" PAT@example.com", PASSWORD) is user
    assert user.last_login_at is not None


@pytest.mark.parametrize("email, password", [
    ("pat@example.com", "wrong-password"),
    ("pat@example.com", ""),
    ("pat@example.com", PASSWORD.upper()),
    ("nobody@example.com", PASSWORD),
    ("", ""),
])
def test_authenticate_refuses_wrong_credentials(app, make_user, email, password):
    make_user("promoter", email="pat@example.com")
    assert services.authenticate(email, password) is None


def test_disabled_or_invited_users_cannot_authenticate(app, make_user):
    admin = make_user("admin")
    gone = make_user("marketer", email="gone@example.com")
    services.set_disabled(gone, True, admin)
    invited = services.create_user("invited@example.com", "marketer")
    assert invited.password_hash is None
    assert services.authenticate("gone@example.com", PASSWORD) is None
    assert services.authenticate("invited@example.com", "") is None
    assert services.authenticate("invited@example.com", PASSWORD) is None


def test_session_identity_carries_a_token_that_must_match(app, make_user):
    user = make_user("promoter")
    assert services.load_session_user(user.get_id()) is user
    for identity in ["", None, "abc", str(user.id), f"{user.id}:", f":{user.session_token}",
                     f"{user.id}:wrong", f"{user.id + 1}:{user.session_token}",
                     f"{'9' * 40}:{user.session_token}", f"-{user.id}:{user.session_token}"]:
        assert services.load_session_user(identity) is None, identity


def test_password_change_ends_existing_sessions(app, make_user):
    user = make_user("promoter")
    old_identity = user.get_id()
    services.set_password(user, NEW_PASSWORD)
    assert services.load_session_user(old_identity) is None
    assert services.load_session_user(user.get_id()) is user
    assert services.authenticate(user.email, PASSWORD) is None
    assert services.authenticate(user.email, NEW_PASSWORD) is user


def test_disabling_ends_sessions_for_good_even_after_enabling(app, make_user):
    admin = make_user("admin")
    user = make_user("marketer")
    old_identity = user.get_id()
    services.set_disabled(user, True, admin)
    assert services.load_session_user(old_identity) is None
    assert services.load_session_user(user.get_id()) is None  # disabled: no session at all
    services.set_disabled(user, False, admin)
    assert services.load_session_user(old_identity) is None
    assert services.authenticate(user.email, PASSWORD) is user


# --- password links ------------------------------------------------------------------------

def test_reset_request_mails_a_single_use_link_built_from_base_url(app, make_user, outbox):
    user = make_user("promoter", email="pat@example.com", name="Pat")
    services.request_password_reset("Pat@Example.com")
    [mail] = outbox()
    assert mail.to_addr == "pat@example.com"
    assert mail.kind == "password_reset"
    [link] = LINK_RE.findall(mail.body_text)
    assert f"http://ambassador.test/password/reset/{link}" in mail.body_html
    assert "1 hour" in mail.body_text
    stored = db.session.scalar(select(PasswordToken))
    assert stored.token_hash == hash_token(link) and link not in stored.token_hash
    assert stored.purpose == "reset"
    assert timedelta(minutes=59) < stored.expires_at - utcnow() <= timedelta(hours=1)
    assert services.check_password_token(link).user is user


@pytest.mark.parametrize("email", ["nobody@example.com", "gone@example.com"])
def test_reset_request_for_unknown_or_disabled_account_sends_nothing(app, make_user, outbox,
                                                                     email):
    admin = make_user("admin")
    services.set_disabled(make_user("marketer", email="gone@example.com"), True, admin)
    assert services.request_password_reset(email) is None
    assert outbox() == []
    assert db.session.scalar(select(PasswordToken)) is None


def test_reset_request_refuses_what_is_not_an_email(app):
    with pytest.raises(ServiceError, match="not a valid email"):
        services.request_password_reset("x" * 10_000)


def test_reset_link_works_once(app, make_user):
    user = make_user("promoter")
    raw = raw_token(services.issue_password_link(user))
    assert services.reset_password(raw, NEW_PASSWORD) is user
    with pytest.raises(ServiceError, match="already been used"):
        services.check_password_token(raw)
    with pytest.raises(ServiceError, match="already been used"):
        services.reset_password(raw, "another-new-password")
    assert services.authenticate(user.email, NEW_PASSWORD) is user


def test_reset_link_expires_after_an_hour(app, make_user, monkeypatch):
    user = make_user("promoter")
    raw = raw_token(services.issue_password_link(user))
    later(monkeypatch, minutes=59)
    assert services.check_password_token(raw).user is user
    later(monkeypatch, minutes=61)
    with pytest.raises(ServiceError, match="expired"):
        services.reset_password(raw, NEW_PASSWORD)
    assert services.authenticate(user.email, PASSWORD) is user


def test_setup_link_lasts_a_week(app, make_user, monkeypatch):
    user = make_user("promoter")
    raw = raw_token(services.issue_password_link(user, "setup"))
    later(monkeypatch, days=6, hours=23)
    assert services.check_password_token(raw).purpose == "setup"
    later(monkeypatch, days=7, minutes=1)
    with pytest.raises(ServiceError, match="expired"):
        services.check_password_token(raw)


def test_any_password_change_kills_every_open_link(app, make_user):
    user = make_user("promoter")
    first = raw_token(services.issue_password_link(user))
    second = raw_token(services.issue_password_link(user))
    third = raw_token(services.issue_password_link(user))
    services.reset_password(second, NEW_PASSWORD)
    services.set_password(user, "yet-another-password")
    for raw in (first, second, third):
        with pytest.raises(ServiceError, match="already been used"):
            services.check_password_token(raw)


def test_disabling_kills_open_links_and_enabling_does_not_revive_them(app, make_user):
    admin = make_user("admin")
    user = make_user("marketer")
    raw = raw_token(services.issue_password_link(user))
    services.set_disabled(user, True, admin)
    with pytest.raises(ServiceError, match="not valid"):
        services.check_password_token(raw)
    services.set_disabled(user, False, admin)
    with pytest.raises(ServiceError, match="already been used"):
        services.check_password_token(raw)


@pytest.mark.parametrize("raw", ["", "nope", "x" * 10_000, None])
def test_unknown_links_are_not_valid(app, raw):
    with pytest.raises(ServiceError, match="not valid"):
        services.check_password_token(raw)


def test_a_refused_password_leaves_the_link_usable(app, make_user):
    user = make_user("promoter")
    raw = raw_token(services.issue_password_link(user))
    db.session.commit()
    with pytest.raises(ServiceError, match="at least 10"):
        services.reset_password(raw, "short")
    db.session.rollback()
    assert services.reset_password(raw, NEW_PASSWORD) is user


def test_links_use_base_url_with_its_path(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://example.org/amb")
    link = services.issue_password_link(make_user("promoter"))
    assert re.fullmatch(r"https://example\.org/amb/password/reset/[\w-]+", link)


def test_invite_user_creates_an_account_without_password_and_mails_a_link(app, outbox):
    user = services.invite_user("new@example.com", "marketer", "<script>alert(1)</script>")
    assert user.password_hash is None
    [mail] = outbox("new@example.com")
    assert mail.kind == "account_invitation"
    [raw] = LINK_RE.findall(mail.body_text)
    assert services.check_password_token(raw).purpose == "setup"
    assert "<script>alert(1)" not in mail.body_html
    assert "&lt;script&gt;alert(1)" in mail.body_html
    assert "valid for 7 days" in mail.body_html
    services.reset_password(raw, NEW_PASSWORD)
    assert services.authenticate("new@example.com", NEW_PASSWORD) is user


# --- roles and the last admin --------------------------------------------------------------

def test_change_role(app, make_user):
    admin = make_user("admin")
    user = make_user("promoter")
    services.change_role(user, "marketer", admin)
    assert user.role == "marketer" and user.is_staff
    with pytest.raises(ServiceError, match="Unknown role 'root'"):
        services.change_role(user, "root", admin)
    assert user.role == "marketer"


def test_the_last_admin_cannot_be_demoted_or_disabled(app, make_user):
    admin = make_user("admin")
    marketer = make_user("marketer")
    with pytest.raises(services.Conflict, match="last admin"):
        services.change_role(admin, "marketer", admin)
    with pytest.raises(services.Conflict, match="last admin"):
        services.set_disabled(admin, True, marketer)
    assert admin.role == "admin" and not admin.disabled


def test_a_disabled_admin_does_not_count_as_another_admin(app, make_user):
    admin = make_user("admin")
    other = make_user("admin")
    services.set_disabled(other, True, admin)
    with pytest.raises(services.Conflict, match="last admin"):
        services.change_role(admin, "promoter", admin)


def test_an_admin_can_step_down_when_another_admin_remains(app, make_user):
    admin = make_user("admin")
    make_user("admin")
    services.change_role(admin, "marketer", admin)
    assert admin.role == "marketer"


def test_nobody_can_disable_their_own_account(app, make_user):
    admin = make_user("admin")
    make_user("admin")
    with pytest.raises(ServiceError, match="your own account"):
        services.set_disabled(admin, True, admin)
    assert not admin.disabled


# --- searching -----------------------------------------------------------------------------

def test_search_users_by_email_or_name_and_role(app, make_user):
    make_user("marketer", email="margaux@example.com", name="Margaux Lefèvre")
    make_user("promoter", email="pat@example.org", name="Pat 100% Fan")
    make_user("admin", email="ada_admin@example.com", name="Ada")

    def emails(**kw):
        return sorted(u.email for u in services.search_users(**kw).items)

    assert emails(query="MARGAUX") == ["margaux@example.com"]
    assert emails(query="lefèvre") == ["margaux@example.com"]
    assert emails(query="example.org") == ["pat@example.org"]
    assert emails(query="100%") == ["pat@example.org"]
    assert emails(query="%") == ["pat@example.org"]  # a literal percent sign, not a wildcard
    assert emails(query="a_a") == ["ada_admin@example.com"]  # a literal underscore
    assert emails(role="admin") == ["ada_admin@example.com"]
    assert emails(query="example", role="promoter") == ["pat@example.org"]
    assert emails(role="nonsense") == emails()
    assert len(emails()) == 3
    assert emails(query="nobody") == []


def test_search_users_pages(app, make_user):
    for _ in range(5):
        make_user("promoter")
    assert len(services.search_users(per_page=2, page=3).items) == 1
    assert services.search_users(per_page=2, page=0).page == 1
    assert services.search_users(per_page=2, page=99).items == []
    assert services.search_users(per_page=2, page=10**20).items == []
