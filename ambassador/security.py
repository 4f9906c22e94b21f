"""The headers every response carries and the request rules every page lives inside.

- Content-Security-Policy with a per-request nonce (`csp_nonce()` in templates): no inline
  script or style attribute runs, nothing frames our pages, no plugin loads.
- X-Content-Type-Options, Referrer-Policy, HSTS and Secure cookies when BASE_URL is https://.
- Cache-Control: no-store on every page for a logged-in user (unless the view chose).
- Fetch-Metadata: a state-changing request a browser marks `Sec-Fetch-Site: cross-site`
  is refused with 403, before the CSRF check.
- A streamed body (chunked, no Content-Length) over MAX_CONTENT_LENGTH is a 413, as a
  declared one is, never silently cut at the limit.

Views change the defaults with decorators placed under `@bp.route`: `csp(**directives)`,
`frameable` (the widget embed page), `token_in_url` (no-referrer, no-store),
`cross_site_allowed` and `when_form_expired` (the view's own answer to a form whose CSRF
token is stale); `exempt_blueprint(bp)` exempts the bearer-token APIs from the
Fetch-Metadata check. This module knows no feature.
"""

import secrets

from flask import Blueprint, Flask, abort, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

DEFAULT_CSP = {
    "default-src": "'self'",
    "script-src": "'self' 'nonce-{nonce}'",
    "style-src": "'self' 'nonce-{nonce}'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
REFERRER_POLICY = "strict-origin-when-cross-origin"
HSTS = "max-age=31536000; includeSubDomains"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CROSS_SITE_MESSAGE = _l("A page on another site cannot change anything here.")

_exempt_blueprints: set[str] = set()


def csp(**directives: str):
    """Change this view's Content-Security-Policy directives (frame_ancestors="…" …)."""

    def decorator(view):
        view.csp = {**getattr(view, "csp", {}),
                    **{name.replace("_", "-"): value for name, value in directives.items()}}
        return view

    return decorator


frameable = csp(frame_ancestors="*")
frameable.__doc__ = "Let any site frame this view (the widget embed page)."


def token_in_url(view):
    """A page whose address holds a secret: send no Referer anywhere, never cache it."""
    view.referrer_policy = "no-referrer"
    view.cache_control = "no-store"
    return view


def cross_site_allowed(view):
    """Accept this view's state-changing requests from other sites (no session cookie used)."""
    view.cross_site_allowed = True
    return view


def when_form_expired(answer):
    """Let `answer(**view_args)` reply to this view's form sent with a stale CSRF token.

    For a form whose work is already done: a one-time link's form sent again after its
    first submit logged the person in (which renewed the session, and with it the token).
    The request is still refused, so `answer` must change nothing; it returns a response,
    or None for the usual 400 page.
    """

    def decorator(view):
        view.form_expired = answer
        return view

    return decorator


def expired_form_answer():
    """The view's own answer to its form sent with a stale CSRF token, or None."""
    answer = getattr(_view(), "form_expired", None)
    return answer(**(request.view_args or {})) if answer is not None else None


def exempt_blueprint(bp: Blueprint) -> None:
    """Accept cross-site requests on a whole blueprint (the bearer-token JSON APIs)."""
    _exempt_blueprints.add(bp.name)


def csp_nonce() -> str:
    """This request's nonce, for the rare inline <script nonce="…"> or <style nonce="…">."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _view():
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


def refuse_cross_site() -> None:
    """before_request: 403 for a cross-site POST/PUT/PATCH/DELETE unless the view allows it."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("Sec-Fetch-Site", "").lower() != "cross-site":
        return
    if request.blueprint in _exempt_blueprints or getattr(_view(), "cross_site_allowed", False):
        return
    abort(403, str(CROSS_SITE_MESSAGE))


def refuse_oversized_stream() -> None:
    """before_request: 413 for a chunked body that reaches MAX_CONTENT_LENGTH.

    Werkzeug refuses a declared Content-Length over the limit, but reads a streamed body
    only up to the limit and hands the truncated rest to the form parser.
    """
    limit = request.max_content_length
    if limit is None or request.content_length is not None:
        return
    if not request.environ.get("wsgi.input_terminated"):
        return  # no length and no terminated stream: Werkzeug reads nothing at all
    if len(request.get_data(cache=True)) >= limit:
        abort(413)


def content_security_policy(view=None) -> str:
    """The CSP header value for a view: the defaults, its changes, this request's nonce."""
    directives = {**DEFAULT_CSP, **getattr(view, "csp", {})}
    nonce = csp_nonce()
    return "; ".join(f"{name} {value.format(nonce=nonce)}".strip()
                     for name, value in directives.items() if value is not None)


def _logged_in() -> bool:
    return request.endpoint != "static" and current_user.is_authenticated


def add_headers(response):
    """after_request: the security headers, on every response (pages, errors, JSON)."""
    view = _view()
    headers = response.headers
    policy = content_security_policy(view)
    headers.setdefault("Content-Security-Policy", policy)
    if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", getattr(view, "referrer_policy", REFERRER_POLICY))
    if current_app.config["BASE_URL"].startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    cache = getattr(view, "cache_control", None)
    if cache:
        headers["Cache-Control"] = cache
    elif "Cache-Control" not in headers and _logged_in():
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Install the checks and headers; call before CSRF so a cross-site POST is a 403."""
    if app.config["BASE_URL"].startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.before_request(refuse_cross_site)
    app.before_request(refuse_oversized_stream)
    app.after_request(add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
