"""Rules that must hold when two people click at once, tested with real concurrent requests."""

from sqlalchemy import delete, func, select

from ambassador.auth import services as accounts
from ambassador.auth.models import ApiToken, User
from ambassador.extensions import db
from tests.conftest import PASSWORD
from tests.races import at_once, login_client

ROUNDS = 4


def _two_admins(app, round_no):
    with app.app_context():
        db.session.execute(delete(User))
        first = accounts.create_user(f"a{round_no}@example.com", "admin", "A", password=PASSWORD)
        second = accounts.create_user(f"b{round_no}@example.com", "admin", "B",
                                      password=PASSWORD)
        db.session.commit()
        return (first.id, first.email), (second.id, second.email)


def _active_admins(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)).where(
            User.role == "admin", User.disabled.is_(False)))


def _race(app, first_path, second_path, data=None):
    """Each admin acts on the other at the same moment; return both statuses."""
    statuses = []
    for round_no in range(ROUNDS):
        (a_id, a_email), (b_id, b_email) = _two_admins(app, round_no)
        a, b = login_client(app, a_email), login_client(app, b_email)
        responses = at_once(lambda a=a, b_id=b_id: a.post(first_path(b_id), data=data or {}),
                            lambda b=b, a_id=a_id: b.post(second_path(a_id), data=data or {}))
        pair = sorted(r.status_code for r in responses)
        assert _active_admins(app) == 1, f"round {round_no}: {pair}"
        # One wins; the other is told why (409), or had already lost its admin rights
        # before its request began (403, or 302 to the login page once disabled). No 500.
        assert pair in ([303, 409], [303, 403], [302, 303]), pair
        for refused in (r for r in responses if r.status_code == 409):
            assert "last admin" in refused.get_data(as_text=True)
        statuses.append(pair)
    return statuses


def test_two_admins_demoting_each_other_at_once_leave_one_admin(race_app):
    _race(race_app, lambda uid: f"/admin/users/{uid}/role",
          lambda uid: f"/admin/users/{uid}/role", {"role": "marketer"})


def test_two_admins_disabling_each_other_at_once_leave_one_admin(race_app):
    _race(race_app, lambda uid: f"/admin/users/{uid}/disable",
          lambda uid: f"/admin/users/{uid}/disable")


def test_one_demotes_while_the_other_disables_and_one_admin_is_left(race_app):
    _race(race_app, lambda uid: f"/admin/users/{uid}/role",
          lambda uid: f"/admin/users/{uid}/disable", {"role": "promoter"})


def test_six_concurrent_creates_make_one_live_token_with_that_name(race_app):
    with race_app.app_context():
        admin = accounts.create_user("admin@example.com", "admin", "Admin", password=PASSWORD)
        db.session.commit()
        email = admin.email
    clients = [login_client(race_app, email) for _ in range(6)]

    responses = at_once(*(lambda c=c: c.post("/admin/tokens", data={"name": "Typeform"})
                          for c in clients))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 5, statuses
    refused = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
    assert "There is already a live token named “Typeform”" in refused
    with race_app.app_context():
        names = db.session.scalars(select(ApiToken.name).where(
            ApiToken.revoked_at.is_(None))).all()
    assert names == ["Typeform"]


def test_a_request_the_database_aborted_in_a_deadlock_gets_409_not_500(client, make_user, login,
                                                                         monkeypatch):
    from psycopg import errors
    from sqlalchemy.exc import OperationalError

    login(make_user("admin"))
    other = make_user("admin")

    def deadlock(*args, **kwargs):
        raise OperationalError("UPDATE users …", {}, errors.DeadlockDetected("deadlock detected"))

    monkeypatch.setattr(accounts, "change_role", deadlock)
    response = client.post(f"/admin/users/{other.id}/role", data={"role": "marketer"})
    assert response.status_code == 409
    assert "Someone else changed the same thing at this very moment" in response.get_data(
        as_text=True)
    db.session.expire_all()
    assert db.session.get(User, other.id).role == "admin"
