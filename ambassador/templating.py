"""Template globals: the navigation shown to each role (formats live in i18n).

The menu is data: a feature adds its page with one line in `STAFF_NAV` (under its
group) or `PROMOTER_NAV`. An entry is shown only when its endpoint exists in this
app and the view's declared access (`auth/access.py`) lets the user in, so entries
for features not built yet, or admin pages, stay hidden from those who cannot use them.
"""

from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ambassador.sanitize import render_markdown

# Staff menu: group key -> (group label, [(endpoint, label), ...]), in menu order.
STAFF_NAV: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "nps": (_l("NPS"), [
        ("nps.dashboard", _l("Dashboard")),
        ("nps.accounts", _l("Accounts")),
        ("privacy.customers", _l("Customers")),
        ("imports.upload", _l("Import")),
    ]),
    "portal": (_l("Portal"), [
        ("manage_programs.index", _l("Programs")),
        ("offers.manage", _l("Offers")),
        ("referrals_admin.dashboard", _l("Referrals")),
        ("forum.moderation.index", _l("Forum")),
    ]),
    "content": (_l("Content"), [
        ("testimonials_admin.queue", _l("Testimonials")),
        ("widgets.index", _l("Widgets")),
    ]),
    "loop": (_l("Loop"), [
        ("checkins.index", _l("Check-ins")),
        ("followups.index", _l("Follow-ups")),
        ("webhooks.index", _l("Webhooks")),
    ]),
    "admin": (_l("Admin"), [
        ("auth.users", _l("People")),
        ("auth.api_tokens", _l("API tokens")),
        ("audit.index", _l("Audit trail")),
    ]),
}

# Promoter menu: a flat list, in order.
PROMOTER_NAV: list[tuple[str, str]] = [
    ("portal.home", _l("Home")),
    ("programs.index", _l("Programs")),
    ("offers.index", _l("Offers")),
    ("forum.index", _l("Forum")),
    ("testimonials.mine", _l("Testimonials")),
    ("referrals.index", _l("Invite friends")),
]


@dataclass(frozen=True)
class NavLink:
    """One menu entry the current user may follow."""

    endpoint: str
    label: str
    current: bool


@dataclass(frozen=True)
class NavGroup:
    """A titled group of entries; `label` is empty for the promoters' flat menu."""

    key: str
    label: str
    links: list[NavLink]

    @property
    def current(self) -> bool:
        """Whether the page shown belongs to this group."""
        return any(link.current for link in self.links)


def may_open(endpoint: str, role: str) -> bool:
    """Whether `endpoint` exists in this app and its declared access admits `role`."""
    view = current_app.view_functions.get(endpoint)
    access = getattr(view, "access", ()) if view else ()
    return "public" in access or role in access


def _links(entries: list[tuple[str, str]], role: str) -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label in entries if may_open(endpoint, role)]


def navigation() -> list[NavGroup]:
    """The menu of the logged-in user: staff get titled groups, promoters one plain group."""
    if not current_user.is_authenticated:
        return []
    role = current_user.role
    if current_user.is_staff:
        raw = [(key, str(label), _links(entries, role))
               for key, (label, entries) in STAFF_NAV.items()]
    else:
        raw = [("promoter", "", _links(PROMOTER_NAV, role))]
    raw = [(key, label, links) for key, label, links in raw if links]
    shown = [endpoint for _key, _label, links in raw for endpoint, _l in links]
    current = current_entry(shown)
    return [NavGroup(key, label, [NavLink(e, str(text), e == current) for e, text in links])
            for key, label, links in raw]


def current_entry(endpoints: list[str]) -> str | None:
    """The menu entry for the page shown: the page itself, or the sole entry of its blueprint.

    A page that is not in the menu (an import's result page) marks the entry of its
    blueprint when that blueprint has exactly one entry.
    """
    if request.endpoint in endpoints:
        return request.endpoint
    same = [e for e in endpoints if e.partition(".")[0] == request.blueprint]
    return same[0] if len(same) == 1 else None


def markdown(text: str | None) -> Markup:
    """`{{ text|markdown }}`: a person's Markdown as HTML, through the one sanitiser."""
    return Markup(render_markdown(text))


def register(app: Flask) -> None:
    """Add the navigation globals and the `markdown` filter to the Jinja environment."""
    app.jinja_env.filters["markdown"] = markdown
    app.jinja_env.globals["navigation"] = navigation
