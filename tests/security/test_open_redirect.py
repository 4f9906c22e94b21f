"""Open redirect through `next`: after login (and from the pages that honour `next`) the
browser never leaves this site, whatever `next` says."""

from urllib.parse import quote, urlsplit

import pytest

from tests.conftest import PASSWORD

ATTACKS = {
    "protocol-relative": "//evil.example/phish",
    "backslash": "/\\evil.example/phish",
    "double backslash": "\\\\evil.example",
    "absolute https": "https://evil.example/phish",
    "absolute http": "http://evil.example",
    "javascript": "javascript:alert(document.cookie)",
    "javascript, upper case": "JaVaScRiPt:alert(1)",
    "data url": "data:text/html,<script>alert(1)</script>",
    "tab inside the slashes": "/\t/evil.example",
    "encoded slashes": "/%2F%2Fevil.example",
    "scheme without slashes": "https:evil.example",
    "credentials trick": "//ambassador.test@evil.example",
    "whitespace first": " //evil.example",
    "triple slash": "///evil.example",
    "backslash after slash": "/\\/evil.example",
}


def _stays_here(location: str) -> bool:
    parts = urlsplit(location)
    return (not parts.scheme and not parts.netloc and location.startswith("/")
            and not location.startswith(("//", "/\\")) and "\\" not in location)


def _assert_not_offsite(response) -> None:
    """A refusal (4xx) or a redirect inside this site; never a redirect elsewhere."""
    if response.status_code in (301, 302, 303, 307, 308):
        assert _stays_here(response.headers["Location"]), response.headers["Location"]
    else:
        assert response.status_code == 400, response.status_code


@pytest.mark.parametrize("target", ATTACKS.values(), ids=ATTACKS.keys())
def test_login_never_sends_the_browser_to_another_site(client, make_user, target):
    user = make_user("promoter")
    response = client.post(f"/login?next={quote(target, safe='')}",
                           data={"email": user.email, "password": PASSWORD})
    _assert_not_offsite(response)


@pytest.mark.parametrize("target", ATTACKS.values(), ids=ATTACKS.keys())
def test_a_logged_in_visit_to_login_never_leaves_the_site(client, make_user, login, target):
    login(make_user("marketer"))
    _assert_not_offsite(client.get(f"/login?next={quote(target, safe='')}"))


@pytest.mark.parametrize("target", ATTACKS.values(), ids=ATTACKS.keys())
def test_the_language_switcher_never_leaves_the_site(client, target):
    _assert_not_offsite(client.post("/language", data={"language": "fr", "next": target}))


@pytest.mark.parametrize("target", ATTACKS.values(), ids=ATTACKS.keys())
def test_the_people_page_actions_never_leave_the_site(client, make_user, login, target):
    login(make_user("admin"))
    other = make_user("marketer")
    response = client.post(f"/admin/users/{other.id}/disable", data={"next": target})
    _assert_not_offsite(response)


def test_a_path_on_this_site_is_still_followed(client, make_user):
    user = make_user("marketer")
    response = client.post("/login?next=/dashboard/accounts",
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard/accounts"


def test_no_page_echoes_an_offsite_next_into_a_link(client):
    """The login page keeps `next` only for the form: never as a link to another site."""
    body = client.get("/login?next=" + quote("https://evil.example/x", safe="")).get_data(
        as_text=True)
    assert 'href="https://evil.example' not in body
    assert 'action="https://evil.example' not in body
