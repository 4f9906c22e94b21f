"""Template filters and the navigation shown to each role."""

from flask import Flask, request
from flask_login import current_user

NAV = {
    "promoter": [("portal.home", "Home")],
    "marketer": [
        ("nps.dashboard", "Dashboard"),
        ("nps.accounts", "Accounts"),
        ("imports.upload", "Import"),
    ],
}
NAV["admin"] = NAV["marketer"] + [("auth.users", "People"), ("auth.api_tokens", "API tokens")]


def navigation() -> list[tuple[str, str]]:
    """The menu entries (endpoint, label) for the logged-in user."""
    if not current_user.is_authenticated:
        return []
    return NAV.get(current_user.role, [])


def is_current(endpoint: str) -> bool:
    """Whether a menu entry is the page being shown (or its section, for one-entry sections)."""
    if request.endpoint == endpoint:
        return True
    section = endpoint.partition(".")[0]
    same_section = [e for e, _label in navigation() if e.partition(".")[0] == section]
    return request.blueprint == section and same_section == [endpoint]


def format_datetime(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a UTC datetime (the UI states times in UTC)."""
    return value.strftime(fmt) if value else ""


def format_date(value) -> str:
    """Show the date part of a datetime."""
    return value.strftime("%Y-%m-%d") if value else ""


def register(app: Flask) -> None:
    """Add the filters and globals to the Jinja environment."""
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.globals["navigation"] = navigation
    app.jinja_env.globals["is_current"] = is_current
