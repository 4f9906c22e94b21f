"""Widget rules: settings a website can trust, and the public payload with its ETag.

The payload is what `GET /api/v1/widgets/KEY` serves and what the embed page and the
snippet render: only approved testimonials, reduced to their consented fields by
`testimonials.public`, the one way testimonials leave the application. Each process
keeps a serialised payload and its ETag per key for WIDGET_CACHE_SECONDS (60 by
default, the same as the public Cache-Control), so a cache hit runs no query.
"""

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ambassador.audit import record_action
from ambassador.extensions import db
from ambassador.testimonials.public import published_testimonials
from ambassador.utils import NotFound, ServiceError
from ambassador.widgets.models import (
    FONTS,
    LANGUAGES,
    LAYOUTS,
    MAX_SHOWN,
    NAME_MAX,
    PRODUCT_TYPES,
    SELECTIONS,
    THEMES,
    Widget,
)

ACCENT_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
DOMAIN_RE = re.compile(r"^(\*\.)?([a-z0-9-]{1,63}\.)+[a-z]{2,63}$|^localhost$|^127\.0\.0\.1$")
MAX_DOMAINS = 20
MAX_PICKED = 100
FIELDS = ("name", "enabled", "selection", "tags", "min_rating", "languages", "picked", "shown",
          "layout", "theme", "accent", "radius", "font", "show_photo", "show_rating",
          "show_date", "show_verified", "language", "allowed_domains", "product_name",
          "product_type")


@dataclass(frozen=True)
class Served:
    """A widget's serialised payload as served, with what the public views need to check."""

    body: bytes
    etag: str
    domains: tuple[str, ...]


_cache: dict[str, tuple[float, Served]] = {}
_pages: dict[tuple[str, str], tuple[float, str]] = {}


class WidgetError(ServiceError):
    """A widget setting that cannot be used; the message says which and why.

    `field` names the setting (a form field's name), so the form shows the message there.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def new_key() -> str:
    """A short public key that is hard to guess (widgets are not secret, just unlisted)."""
    return secrets.token_hex(6)


def get(widget_id: int) -> Widget:
    widget = db.session.get(Widget, widget_id)
    if widget is None:
        raise NotFound(_("This widget does not exist."))
    return widget


def by_key(key: str) -> Widget | None:
    """The enabled widget with this key, or None."""
    if not KEY_RE.match(key or ""):
        return None
    return db.session.scalar(select(Widget).where(Widget.key == key, Widget.enabled.is_(True)))


def all_widgets() -> list[Widget]:
    return list(db.session.scalars(select(Widget).order_by(Widget.name, Widget.id)))


def words(text: str, limit: int, too_many, field: str | None = None) -> list[str]:
    """The distinct lower-cased words of a comma- or space-separated list, at most `limit`."""
    items = [w.strip().lower() for w in re.split(r"[,\s]+", text or "") if w.strip()]
    unique = list(dict.fromkeys(items))
    if len(unique) > limit:
        raise WidgetError(str(too_many) % {"n": limit}, field)
    return unique


def parse_domains(text: str) -> list[str]:
    """Host names from a comma- or line-separated list (https://… and paths are trimmed)."""
    domains = []
    for item in words(text, MAX_DOMAINS, _l("At most %(n)d websites."), "allowed_domains"):
        host = urlsplit(item if "//" in item else "//" + item).hostname or ""
        if not DOMAIN_RE.match(host):
            raise WidgetError(_("“%(domain)s” is not a domain name (for example shop.example.com).",
                                domain=item[:80]), "allowed_domains")
        domains.append(host)
    return list(dict.fromkeys(domains))


def languages(text: str) -> list[str]:
    """Language codes from "fr, tr" (en, fr or tr)."""
    codes = words(text, len(LANGUAGES), _l("At most %(n)d languages."), "languages")
    for code in codes:
        if code not in LANGUAGES:
            raise WidgetError(_("“%(code)s” is not one of en, fr or tr.", code=code[:10]),
                              "languages")
    return codes


def parse_picked(text: str) -> list[int]:
    """Testimonial ids in the order written ("12, 7, 31")."""
    ids = []
    for item in words(text, MAX_PICKED, _l("At most %(n)d testimonials."), "picked"):
        if not (item.isascii() and item.isdigit() and len(item) < 10):
            raise WidgetError(_("“%(item)s” is not a testimonial number.", item=item[:20]),
                              "picked")
        ids.append(int(item))
    return list(dict.fromkeys(ids))


def check(values: dict) -> dict:
    """The settings, cleaned; raises WidgetError with a message for the first wrong one."""
    name = (values.get("name") or "").strip()
    if not name:
        raise WidgetError(_("Give the widget a name."), "name")
    if len(name) > NAME_MAX:
        raise WidgetError(_("The name has at most %(n)d characters.", n=NAME_MAX), "name")
    values["name"] = name
    choices = {"selection": SELECTIONS, "layout": LAYOUTS, "theme": THEMES, "font": FONTS,
               "language": LANGUAGES, "product_type": PRODUCT_TYPES}
    for field, allowed in choices.items():
        if values.get(field) not in allowed:
            raise WidgetError(_("Choose one of the offered values."), field)
    if not ACCENT_RE.match(values.get("accent") or ""):
        raise WidgetError(_("The accent colour is written like #4f46e5."), "accent")
    ranges = (("shown", 1, MAX_SHOWN, _l("How many")),
              ("radius", 0, 24, _l("Corner radius (pixels)")),
              ("min_rating", 1, 5, _l("Minimum rating")))
    for field, low, high, label in ranges:
        value = values.get(field)
        if not isinstance(value, int) or not low <= value <= high:
            raise WidgetError(_("%(label)s: a number from %(low)d to %(high)d.",
                                label=label, low=low, high=high), field)
    if values["selection"] == "tag" and not values.get("tags"):
        raise WidgetError(_("Name at least one tag, or choose another selection."), "tags")
    if values["selection"] == "language" and not values.get("languages"):
        raise WidgetError(_("Choose at least one language, or choose another selection."),
                          "languages")
    if values["selection"] == "picked" and not values.get("picked"):
        raise WidgetError(_("Pick at least one testimonial, or choose another selection."),
                          "picked")
    values["product_name"] = (values.get("product_name") or "").strip()[:NAME_MAX]
    if values["product_type"] and not values["product_name"]:
        raise WidgetError(_("Name the product the reviews are about, or choose no product."),
                          "product_name")
    return values


def _snapshot(widget: Widget) -> dict:
    return {field: getattr(widget, field) for field in FIELDS}


def create_widget(values: dict, actor=None, key: str | None = None) -> Widget:
    """Create a widget from checked settings (a fresh random key unless one is given)."""
    values = check(dict(values))
    widget = Widget(key=key or new_key(), **{f: values[f] for f in FIELDS if f in values})
    db.session.add(widget)
    db.session.flush()
    record_action(actor, "widget.created", widget, after=_snapshot(widget))
    return widget


def update_widget(widget: Widget, values: dict, actor=None) -> Widget:
    """Change a widget's settings; the change shows on websites within the cache lifetime."""
    values = check(dict(values))
    before = _snapshot(widget)
    for field in FIELDS:
        if field in values:
            setattr(widget, field, values[field])
    db.session.flush()
    record_action(actor, "widget.updated", widget, before=before, after=_snapshot(widget))
    forget(widget.key)
    return widget


def delete_widget(widget: Widget, actor=None) -> None:
    record_action(actor, "widget.deleted", widget, before=_snapshot(widget))
    forget(widget.key)
    db.session.delete(widget)
    db.session.flush()


@dataclass
class Preview:
    """Settings not yet saved, shaped like a Widget for `payload` (the builder's preview)."""

    key: str
    values: dict

    def __getattr__(self, name):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


def testimonials_for(widget) -> list:
    """The published testimonials this widget shows, in order."""
    selection = widget.selection
    return published_testimonials(
        tags=widget.tags if selection == "tag" else (),
        min_rating=widget.min_rating if selection == "rating" else None,
        languages=widget.languages if selection == "language" else (),
        ids=widget.picked if selection == "picked" else None,
        limit=widget.shown)


def labels(language: str, count: int, average: float | None) -> dict:
    """The widget's own words, in the widget's language."""
    with force_locale(language):
        return {
            "verified": _("Verified promoter"),
            "previous": _("Previous testimonial"),
            "next": _("Next testimonial"),
            "stars": _("%(n)s out of 5", n="{n}"),
            "badge": ngettext("%(avg)s ★ from %(count)d customer",
                              "%(avg)s ★ from %(count)d customers", count,
                              avg=format_decimal(average or 0, "0.0"), count=count),
            "title": _("What our customers say"),
        }


def payload(widget) -> dict:
    """The public JSON of a widget (DESIGN.md's contract), from its published testimonials."""
    shown = testimonials_for(widget)
    ratings = [t.rating for t in shown]
    average = round(sum(ratings) / len(ratings), 1) if ratings else None
    items = [{
        "id": t.id,
        "body": t.body,
        "rating": t.rating if widget.show_rating else None,
        "author_name": t.author_name,
        "author_title": t.author_title,
        "photo_url": t.photo_url if widget.show_photo else None,
        "date": t.date.isoformat() if widget.show_date else None,
        "verified_promoter": bool(t.verified_promoter and widget.show_verified),
        "language": t.language,
    } for t in shown]
    return {
        "widget": {
            "key": widget.key, "layout": widget.layout, "theme": widget.theme,
            "accent": widget.accent, "radius": widget.radius, "font": widget.font,
            "language": widget.language, "show_photo": widget.show_photo,
            "show_rating": widget.show_rating, "show_date": widget.show_date,
            "show_verified": widget.show_verified,
            "labels": labels(widget.language, len(items), average),
        },
        "testimonials": items,
        "aggregate": {"count": len(items), "average_rating": average},
    }


def serialise(data: dict) -> tuple[bytes, str]:
    """The JSON body and its strong ETag (it changes whenever anything shown changes)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def served(key: str) -> Served | None:
    """The payload of an enabled widget, from this process's cache when fresh; None if unknown."""
    lifetime = current_app.config["WIDGET_CACHE_SECONDS"]
    now = time.monotonic()
    hit = fresh(key, now)
    if hit:
        return hit
    widget = by_key(key)
    if widget is None:
        _cache.pop(key, None)
        return None
    body, etag = serialise(payload(widget))
    result = Served(body, etag, tuple(widget.allowed_domains or ()))
    if lifetime > 0:
        _cache[key] = (now + lifetime, result)
    return result


def fresh(key: str, now: float | None = None) -> Served | None:
    """This process's cached payload of a widget while it is fresh, else None (no query)."""
    hit = _cache.get(key)
    if hit and hit[0] > (time.monotonic() if now is None else now):
        return hit[1]
    return None


def page(key: str, name: str, render) -> str:
    """A public page of a widget (`render()`), rendered once per WIDGET_CACHE_SECONDS."""
    lifetime = current_app.config["WIDGET_CACHE_SECONDS"]
    now = time.monotonic()
    hit = _pages.get((key, name))
    if hit and hit[0] > now:
        return hit[1]
    html = render()
    if lifetime > 0:
        _pages[(key, name)] = (now + lifetime, html)
    return html


def forget(key: str) -> None:
    """Drop this process's cached payload of a widget (the others expire within a minute)."""
    _cache.pop(key, None)
    for cached in [k for k in _pages if k[0] == key]:
        _pages.pop(cached, None)


def forget_all() -> None:
    """Drop every cached payload and page of this process."""
    _cache.clear()
    _pages.clear()


def allowed_origin(widget_domains: list[str], origin: str | None) -> bool:
    """Whether a request's Origin/Referer host is on the widget's list (empty list: all)."""
    if not widget_domains or not origin:
        return True
    host = (urlsplit(origin).hostname or "").lower()
    for domain in widget_domains:
        if host == domain or (domain.startswith("*.") and host.endswith(domain[1:])):
            return True
    return False


def embed_code(key: str, base_url: str) -> str:
    """The two lines a website pastes."""
    return (f'<div data-ambassador-widget="{key}"></div>\n'
            f'<script src="{base_url}/widget.js" async></script>')


def iframe_code(key: str, base_url: str) -> str:
    return (f'<iframe src="{base_url}/widgets/{key}/embed" title="Testimonials" '
            f'loading="lazy" width="100%" height="420" frameborder="0"></iframe>')
