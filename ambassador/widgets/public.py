"""What websites load: the widget JSON, widget.js, the iframe page and the HTML snippet.

None of these reads the session or sets a cookie: they are the same for every visitor,
so browsers and CDNs may cache them (public, 60 s, with an ETag and 304s).
"""

import hashlib
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    render_template,
    request,
)
from flask_babel import force_locale, format_date

from ambassador.auth.access import public
from ambassador.security import content_security_policy, csp
from ambassador.widgets import services

bp = Blueprint("widget_public", __name__)
CACHE = "public, max-age=60"
SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "widget.js"


def _not_found():
    response = jsonify({"error": "This widget does not exist or is switched off."})
    response.status_code = 404
    return response


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.pop("Set-Cookie", None)
    response.vary.discard("Cookie")
    return response


def _origin() -> str | None:
    return request.headers.get("Origin") or request.headers.get("Referer")


@bp.after_request
def _no_cookies(response: Response) -> Response:
    response.headers.pop("Set-Cookie", None)
    return response


@bp.route("/api/v1/widgets/<key>")
@csp(default_src="'none'", frame_ancestors="'none'")
@public
def widget_json(key: str):
    served = services.served(key)
    if served is None:
        return _cors(_not_found())
    if not services.allowed_origin(list(served.domains), _origin()):
        response = jsonify({"error": "This widget is not shown on this website."})
        response.status_code = 403
        return _cors(response)
    response = Response(served.body, mimetype="application/json")
    response.set_etag(served.etag.strip('"'))
    response.headers["Cache-Control"] = CACHE
    if served.domains:
        response.vary.add("Origin")
    response = response.make_conditional(request)
    return _cors(response)


@bp.route("/widget.js")
@public
def script():
    body, etag = script_and_etag()
    response = Response(body, mimetype="application/javascript")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return _cors(response.make_conditional(request))


@lru_cache(maxsize=1)
def script_and_etag() -> tuple[bytes, str]:
    """widget.js and its ETag, read once per process (it changes only with a release)."""
    body = SCRIPT.read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:32]


def _page_context(key: str):
    widget = services.by_key(key)
    if widget is None:
        abort(404)
    data = services.payload(widget)
    with force_locale(widget.language):
        for item in data["testimonials"]:
            if item["date"]:
                item["shown_date"] = format_date(date.fromisoformat(item["date"]), "medium")
    return widget, data


@bp.route("/widgets/<key>/embed")
@public
def embed(key: str):
    """The widget as a page for an <iframe>: the one page other sites may frame."""
    widget, data = _page_context(key)
    ancestors = " ".join(f"https://{d} http://{d}" for d in widget.allowed_domains) or "*"
    response = Response(render_template("widgets/embed.html", widget=widget, data=data))
    response.headers["Content-Security-Policy"] = content_security_policy(None).replace(
        "frame-ancestors 'none'", f"frame-ancestors {ancestors}")
    response.headers["Cache-Control"] = CACHE
    return _cors(response)


def structured_data(widget, data: dict) -> dict | None:
    """schema.org Review and AggregateRating, only for a widget about a named product."""
    rated = [t for t in data["testimonials"] if t["rating"]]
    if not (widget.product_type and widget.product_name and rated):
        return None
    reviews = [{
        "@type": "Review",
        "reviewBody": t["body"],
        "reviewRating": {"@type": "Rating", "ratingValue": t["rating"], "bestRating": 5},
        "author": {"@type": "Person", "name": t["author_name"] or "Customer"},
        **({"datePublished": t["date"]} if t["date"] else {}),
    } for t in rated]
    average = round(sum(t["rating"] for t in rated) / len(rated), 1)
    return {"@context": "https://schema.org", "@type": widget.product_type,
            "name": widget.product_name,
            "aggregateRating": {"@type": "AggregateRating", "ratingValue": average,
                                "reviewCount": len(rated), "bestRating": 5},
            "review": reviews}


@bp.route("/widgets/<key>/snippet.html")
@public
def snippet(key: str):
    """The same testimonials as plain HTML, for visitors without JavaScript and for search."""

    def render() -> str:
        widget, data = _page_context(key)
        return render_template("widgets/snippet.html", widget=widget, data=data,
                               structured=structured_data(widget, data))

    response = Response(services.page(key, "snippet", render))
    response.headers["Cache-Control"] = CACHE
    return _cors(response)
