"""The application as a whole: migrations, access declarations, error pages, config."""

import pytest
from flask_migrate import check as _unused  # noqa: F401

from ambassador.extensions import db


def test_models_match_migrations(app):
    """No model change without its migration (`flask db check`)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ambassador.models import include_name

    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"render_as_batch": True, "include_name": include_name})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_view_declares_who_may_see_it(app):
    undeclared = [
        endpoint for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not getattr(view, "access", None)
    ]
    assert undeclared == []


def test_promoter_gets_403_on_every_staff_page(app, client, make_user, login):
    login(make_user("promoter"))
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        access = getattr(view, "access", ())
        if "promoter" in access or "public" in access or rule.arguments:
            continue
        for method in rule.methods & {"GET", "POST"}:
            response = client.open(rule.rule, method=method)
            assert response.status_code == 403, (rule.rule, method)
            checked += 1
    assert checked >= 5


def test_anonymous_visitor_is_sent_to_login_with_next(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_production_refuses_to_start_without_secret(monkeypatch):
    from ambassador import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SystemExit) as info:
        create_app("production")
    assert "SECRET_KEY" in str(info.value)


def test_menu_marks_the_current_section(client, make_user, login):
    from ambassador.imports.models import ImportRun

    user = login(make_user("marketer"))
    run = ImportRun(user_id=user.id, filename="q3.csv", imported=1)
    db.session.add(run)
    db.session.commit()
    result = client.get(f"/import/runs/{run.id}").get_data(as_text=True)
    assert 'aria-current="page">Import</a>' in result
    accounts = client.get("/dashboard/accounts").get_data(as_text=True)
    assert 'aria-current="page">Accounts</a>' in accounts
    assert 'aria-current="page">Dashboard</a>' not in accounts


def test_ids_beyond_a_database_integer_are_not_found(client, make_user, login):
    login(make_user("admin"))
    for url in ("/import/runs/99999999999999999999", "/import/runs/2147483648"):
        assert client.get(url).status_code == 404
    response = client.post("/admin/tokens/99999999999999999999/revoke")
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["ambassador", "production", "", None])
def test_the_test_fixture_refuses_to_empty_a_database_not_named_for_tests(name):
    from tests.conftest import refuse_unless_test_database

    with pytest.raises(pytest.exit.Exception) as stopped:
        refuse_unless_test_database(name)
    assert "must contain 'test'" in str(stopped.value)


def test_the_test_fixture_accepts_a_test_database():
    from tests.conftest import refuse_unless_test_database

    refuse_unless_test_database("ambassador_test_tidy")
