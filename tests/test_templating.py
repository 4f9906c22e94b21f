"""The shared page pieces: the menu registry, the phone menu, the form macros, the skip link."""

import re
from pathlib import Path

import pytest

from ambassador import templating
from ambassador.assets import fingerprint

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = TEMPLATES.parent / "static"


def _html(client, url):
    return client.get(url).get_data(as_text=True)


def _wide_menu(html: str) -> str:
    return html[html.index('<nav class="mainnav'):html.index("</nav>")]


def test_staff_see_their_groups_and_admins_also_the_admin_group(client, make_user, login):
    login(make_user("marketer"))
    menu = _wide_menu(_html(client, "/dashboard"))
    assert re.findall(r"<summary>([^<]+)</summary>", menu) == ["NPS", "Portal", "Content",
                                                                 "Loop"]
    assert re.findall(r'">([^<]+)</a>', menu) == ["Dashboard", "Accounts", "Customers", "Import",
                                                  "Programs", "Offers", "Referrals", "Forum",
                                                  "Testimonials", "Widgets", "Check-ins",
                                                  "Follow-ups",
                                                  "Webhooks"]

    client.post("/logout")
    login(make_user("admin"))
    menu = _wide_menu(_html(client, "/dashboard"))
    assert re.findall(r"<summary>([^<]+)</summary>", menu) == ["NPS", "Portal", "Content",
                                                                 "Loop", "Admin"]
    assert "People" in menu and "API tokens" in menu and "Audit trail" in menu


def test_promoters_get_a_flat_menu_without_staff_pages(client, make_promoter, login):
    login(make_promoter())
    menu = _wide_menu(_html(client, "/portal"))
    assert "<summary>" not in menu
    assert re.findall(r'">([^<]+)</a>', menu) == ["Home", "Programs", "Offers", "Forum",
                                                  "Testimonials", "Invite friends"]


def test_an_entry_appears_once_its_page_exists(app, client, make_user, login, monkeypatch):
    """A feature adds its page with one line; pages not built yet are not shown."""
    monkeypatch.setitem(templating.STAFF_NAV, "loop", ("Loop", [
        ("nps.accounts", "Follow-ups"), ("checkins.not_built", "Check-ins")]))
    login(make_user("marketer"))
    menu = _wide_menu(_html(client, "/dashboard"))
    assert "<summary>Loop</summary>" in menu
    assert "Follow-ups" in menu and "Check-ins" not in menu


def test_the_group_of_the_page_shown_is_marked(client, make_user, login):
    login(make_user("admin"))
    html = _html(client, "/admin/tokens")
    assert '<details class="navgroup is-current" name="mainnav">\n        <summary>Admin' in html
    assert 'aria-current="page">API tokens</a>' in html
    assert 'aria-current="page">Dashboard</a>' not in html


def test_phones_get_one_menu_button_holding_every_group(client, make_user, login):
    login(make_user("admin"))
    html = _html(client, "/dashboard")
    phone = html[html.index('<details class="phone-menu'):]
    phone = phone[:phone.index("</details>")]
    assert "Menu</summary>" in phone
    titles = re.findall(r'<h2 class="phone-group-title">([^<]+)</h2>', phone)
    assert titles == ["NPS", "Portal", "Content", "Loop", "Admin"]
    assert "Log out" in phone
    assert "<script" not in phone  # the disclosure works without any script
    # The only script on a page is the static confirmation helper, loaded by its address.
    assert re.findall(r"<script[^>]*>", html) == [
        f'<script src="/static/js/app.js?v={fingerprint(str(STATIC), "js/app.js")}" defer>']


def test_every_page_starts_with_a_skip_link_to_the_content(client):
    html = _html(client, "/login")
    assert html.index('class="skip-link" href="#content"') < html.index("<header")
    assert '<main id="content"' in html


@pytest.mark.parametrize("path", sorted(p.relative_to(TEMPLATES).as_posix()
                                        for p in TEMPLATES.rglob("*.html")))
def test_no_template_writes_the_csrf_token_by_hand(path):
    """Every POST form is a WTForms form or the post_form/post_button macro."""
    if path == "_macros/forms.html":
        return
    assert 'name="csrf_token"' not in (TEMPLATES / path).read_text(encoding="utf-8")


def test_a_field_error_is_tied_to_its_input(client):
    html = client.post("/password/forgot", data={"email": "not-an-email"}).get_data(as_text=True)
    field = re.search(r"<input[^>]*name=\"email\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="email-error"' in field
    assert re.search(r'<p class="error" id="email-error">[^<]*not a valid email', html)


def test_a_field_without_error_claims_none(client):
    html = _html(client, "/password/forgot")
    field = re.search(r"<input[^>]*name=\"email\"[^>]*>", html).group(0)
    assert "aria-invalid" not in field and "aria-describedby" not in field
