"""Absolute links for mail, built from BASE_URL and never from the request's Host."""

from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    """Return BASE_URL + the path of endpoint, usable outside any request."""
    base = current_app.config["BASE_URL"].rstrip("/")
    script_name = urlsplit(base).path or "/"
    adapter = current_app.url_map.bind("localhost", script_name=script_name)
    path = adapter.build(endpoint, values, force_external=False)
    origin = base[: len(base) - len(urlsplit(base).path)] if urlsplit(base).path else base
    return origin + path


def is_safe_next(target: str | None) -> bool:
    """True when a `next` parameter points inside this site (a path, not another host)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
