"""IDOR: changing the id (or token) in any URL never opens or changes someone else's object.

Every route with a URL parameter is listed below by how its objects are owned; the list is
checked against app.url_map, so a new route with an id fails here until it is classified.
Each is then opened with every method, by a promoter who owns nothing (another promoter's
ids) and by an anonymous visitor, with ids that exist and ids that do not.
"""

import pytest

from tests.conftest import PASSWORD
from tests.test_route_access import LOGIN, _checksums, _url, _visit

# Objects that belong to one promoter: nobody else but staff may open or change them.
OWN = {"testimonials.mine_detail", "testimonials.withdraw", "testimonials.photo",
       "forum.edit", "forum.delete"}
# Shared with every logged-in promoter by design (the program list, the forum, offers).
SHARED = {"programs.show", "programs.join_program", "programs.leave_program",
          "programs.answer_feedback", "programs.calendar", "programs.cover", "offers.detail",
          "offers.claim", "forum.category", "forum.new_thread", "forum.thread", "forum.reply",
          "forum.first_new", "forum.seen", "forum.vote", "forum.post", "forum.helpful",
          "forum.report"}
# The secret in the URL is the permission: a changed token opens nothing.
CAPABILITY = {"auth.reset_password", "portal.accept_invitation", "portal.renew_invitation",
              "testimonials.quote", "testimonials.manage", "testimonials.manage_withdraw",
              "unsubscribe.page", "unsubscribe.one_click", "unsubscribe.undo",
              "checkins.answer", "checkins.record", "checkins.thanks", "checkins.testimonial"}
# Public by design: what websites embed (a widget key is printed in their HTML).
# and a referral link's pages (the code is shared on purpose, with friends).
PUBLIC = {"widget_public.widget_json", "widget_public.embed", "widget_public.snippet",
          "static", "referrals.landing", "referrals.sign_up", "referrals.thanks",
          "referrals.visit"}
# Everything else with an id is a staff page (dashboard, admin, import, moderation).
STAFF_PREFIXES = ("auth.", "imports.", "manage_programs.", "offers.", "testimonials_admin.",
                  "widgets.", "forum.moderation.", "referrals_admin.")
STAFF_PATHS = ("/dashboard/", "/admin/", "/import/", "/forum/moderation/")
NO_ACCESS = {LOGIN, 403, 404}
METHODS = ("GET", "POST")


def _kind(endpoint: str) -> str:
    for name, group in (("own", OWN), ("shared", SHARED), ("capability", CAPABILITY),
                        ("public", PUBLIC)):
        if endpoint in group:
            return name
    if endpoint.startswith(STAFF_PREFIXES) or _paths.get(endpoint, "").startswith(STAFF_PATHS):
        return "staff"
    return "unclassified"


_paths: dict[str, str] = {}


def _id_rules(app):
    for rule in app.url_map.iter_rules():
        _paths[rule.endpoint] = rule.rule
        if rule.arguments:
            for method in METHODS:
                if method in rule.methods:
                    yield rule, method


@pytest.fixture
def stranger(app, make_promoter):
    """A client logged in as an active promoter who owns none of route_values' objects."""
    user = make_promoter(score=10)
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}
                       ).status_code == 302
    return client


def _other_ids(values: dict) -> dict:
    """The same URL values with every id moved to one that exists for nobody."""
    return {name: (value + 100_000 if isinstance(value, int) else value)
            for name, value in values.items()}


def test_every_route_with_an_id_is_classified(app):
    unclassified = sorted({rule.endpoint for rule, _ in _id_rules(app)
                           if _kind(rule.endpoint) == "unclassified"})
    assert unclassified == [], "classify these routes in tests/security/test_idor.py"


def test_a_promoter_cannot_open_or_change_another_promoters_objects(
        app, clients, route_values, stranger, visitors):
    owner = visitors["active promoter"]
    before = _checksums()
    checked = 0
    for rule, method in _id_rules(app):
        kind = _kind(rule.endpoint)
        if kind not in ("own", "staff"):
            continue
        url = _url(app, rule, route_values)
        status = _visit(stranger, url, method)
        assert status in NO_ACCESS, f"{method} {url} as another promoter: {status}"
        body = stranger.open(url, method="GET").get_data(as_text=True) if method == "GET" else ""
        assert owner.email not in body
        checked += 1
    assert _checksums() == before, "a refused request changed data"
    assert checked >= 40


def test_an_anonymous_visitor_opens_nothing_behind_an_id(app, clients, route_values):
    before = _checksums()
    for rule, method in _id_rules(app):
        kind = _kind(rule.endpoint)
        if kind in ("capability", "public"):
            continue
        url = _url(app, rule, route_values)
        status = _visit(clients["anonymous"], url, method)
        assert status == LOGIN or (rule.endpoint == "testimonials.photo" and status == 404), (
            f"{method} {url} as anonymous: {status}")
    assert _checksums() == before


def test_ids_that_belong_to_nobody_are_a_clean_404(app, clients, route_values, stranger):
    """Walking the ids (id + 100000) finds nothing and never a server error."""
    values = _other_ids(route_values)
    before = _checksums()
    for rule, method in _id_rules(app):
        if _kind(rule.endpoint) in ("capability", "public") or not any(
                isinstance(route_values.get(a), int) for a in rule.arguments):
            continue
        url = _url(app, rule, values)
        for who, client in (("admin", clients["admin"]), ("promoter", stranger)):
            status = _visit(client, url, method)
            # Staff forms may send the admin back with a message; nothing may change.
            allowed = NO_ACCESS | {400} | ({303} if who == "admin" else set())
            assert status in allowed, f"{method} {url} as {who}: {status}"
    assert _checksums() == before


def _altered(token: str) -> str:
    return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")


def test_a_changed_token_opens_nothing_and_changes_nothing(app, clients, route_values):
    values = {name: _altered(value) if isinstance(value, str) and len(value) > 20 else value
              for name, value in route_values.items()}
    before = _checksums()
    for rule, method in _id_rules(app):
        if _kind(rule.endpoint) != "capability":
            continue
        url = _url(app, rule, values)
        for kind in ("anonymous", "active promoter"):
            response = clients[kind].open(url, method=method)
            assert response.status_code in (400, 404, 410), (method, url, response.status_code)
    assert _checksums() == before


def test_a_promoter_cannot_reach_a_pending_testimonial_photo_by_guessing(
        app, route_values, stranger):
    url = f"/testimonials/photos/{route_values['testimonial_id']}/{route_values['digest']}.jpg"
    assert stranger.get(url).status_code == 404
