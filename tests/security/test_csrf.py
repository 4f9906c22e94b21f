"""CSRF: every state-changing request through the login cookie needs this session's token,
and a cross-site one is refused even with it. Generated from app.url_map, so a new POST
route is covered the day it is added."""

import re

import pytest

from ambassador.extensions import db
from tests.test_route_access import KINDS, _checksums, _url

CSRF_REFUSED = "This form had expired"
CROSS_SITE_REFUSED = "A page on another site cannot change anything here."
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# The one view that takes a POST without a token, from anywhere: RFC 8058's one-click
# unsubscribe, where the token in the URL is the permission and the only effect is "stop".
EXEMPT = {"unsubscribe.one_click"}


def _exempt(app, endpoint: str) -> bool:
    from ambassador.extensions import csrf

    view = app.view_functions[endpoint]
    return f"{view.__module__}.{view.__name__}" in csrf._exempt_views


def _cookie_routes(app):
    """(rule, method) of every state-changing route that the session cookie can reach."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") or rule.rule.startswith("/api/"):
            continue  # bearer tokens only: the cookie is never read there
        if _exempt(app, rule.endpoint):
            continue
        for method in sorted(rule.methods & STATE_CHANGING):
            yield rule, method


def test_only_the_one_click_unsubscribe_goes_without_a_token(app):
    exempt = {rule.endpoint for rule in app.url_map.iter_rules() if _exempt(app, rule.endpoint)}
    assert exempt == EXEMPT


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_every_form_post_without_a_token_is_refused_and_changes_nothing(
        app, clients, route_values, csrf_on):
    before = _checksums()
    checked = 0
    for rule, method in _cookie_routes(app):
        url = _url(app, rule, route_values)
        for kind in KINDS:
            response = clients[kind].open(url, method=method, data={"confirm": "1"})
            assert response.status_code == 400, (method, url, kind, response.status_code)
            assert CSRF_REFUSED in response.get_data(as_text=True), (method, url, kind)
            checked += 1
    assert _checksums() == before
    assert checked >= 5 * 60


def test_a_token_from_another_session_is_refused(app, clients, route_values, csrf_on):
    """The attacker's own valid token, put in a form the victim's browser sends."""
    attacker = app.test_client()
    page = attacker.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    before = _checksums()
    victim = clients["admin"]
    for url in ("/logout", f"/admin/users/{route_values['user_id']}/disable",
                "/admin/tokens", f"/dashboard/programs/{route_values['program_id']}/status/closed"):
        response = victim.post(url, data={"csrf_token": token, "name": "Stolen"})
        assert response.status_code == 400, url
    assert _checksums() == before
    assert victim.get("/admin/users").status_code == 200  # still logged in: logout refused


def test_every_cross_site_post_is_refused_even_with_a_valid_token(app, clients, route_values):
    before = _checksums()
    checked = 0
    for rule, method in _cookie_routes(app):
        view = app.view_functions[rule.endpoint]
        if getattr(view, "cross_site_allowed", False):
            continue
        url = _url(app, rule, route_values)
        for kind in KINDS:
            response = clients[kind].open(url, method=method,
                                          headers={"Sec-Fetch-Site": "cross-site"})
            assert response.status_code == 403, (method, url, kind)
            assert CROSS_SITE_REFUSED in response.get_data(as_text=True)
            checked += 1
    assert _checksums() == before
    assert checked >= 5 * 60


def test_a_same_site_form_with_its_token_still_works(app, clients, route_values, csrf_on):
    admin = clients["admin"]
    page = admin.get("/admin/users").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = admin.post(f"/admin/users/{route_values['user_id']}/disable",
                          data={"csrf_token": token}, headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 303
    from ambassador.auth.models import User

    assert db.session.get(User, route_values["user_id"]).disabled
