"""Cache hits of the public widget JSON and widget.js, answered before Flask runs.

The first answer for a widget goes through the whole application: its view, the security
headers, the cookie rules. This WSGI middleware keeps that answer's status and headers
beside the payload cached by `services.served` and, while that payload is fresh, sends
them again for the next requests of the same kind (200, or 304 on a matching
If-None-Match) with a fresh CSP nonce and Date: no request context, no session, no
rate-limit bookkeeping, no query. Anything else (another method, a query string, a Range
or other conditional header, an Origin not on the allow-list, a stale or missing payload,
an answer that set a cookie) goes through Flask as before.
"""

import re
import secrets

from werkzeug.http import http_date, is_resource_modified

from ambassador.widgets import services
from ambassador.widgets.public import script_and_etag

JSON_PREFIX = "/api/v1/widgets/"
SCRIPT_PATH = "/widget.js"
# Requests whose answer may depend on more than the ETag: always answered by Flask.
PASS_THROUGH = ("HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE",
                "HTTP_IF_UNMODIFIED_SINCE")
NONCE_RE = re.compile(r"'nonce-[\w-]+'")
REQUEST_BOUND = ("set-cookie", "date", "retry-after")


class Replayer:
    """WSGI middleware replaying the application's own answer for a fresh cached payload."""

    def __init__(self, wsgi_app, config):
        self.wsgi_app = wsgi_app
        self.config = config
        # path -> (the cached payload the answers were recorded for, {304?: answer})
        self.kept: dict[str, tuple[object, dict[bool, tuple[str, list, bool]]]] = {}

    def resource(self, environ) -> tuple[object, str, bytes] | None:
        """(cached payload, ETag, body) of the fresh payload this request asks for, or None."""
        path = environ["PATH_INFO"]
        if path == SCRIPT_PATH:
            body, etag = script_and_etag()
            return body, f'"{etag}"', body
        if not path.startswith(JSON_PREFIX) or self.config["WIDGET_CACHE_SECONDS"] <= 0:
            return None
        served = services.fresh(path[len(JSON_PREFIX):])
        if served is None:
            return None
        if served.domains:
            origin = environ.get("HTTP_ORIGIN") or environ.get("HTTP_REFERER")
            if not services.allowed_origin(list(served.domains), origin):
                return None
        return served, served.etag, served.body

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING")
                or any(name in environ for name in PASS_THROUGH)):
            return self.wsgi_app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        if path != SCRIPT_PATH and not path.startswith(JSON_PREFIX):
            return self.wsgi_app(environ, start_response)
        found = self.resource(environ)
        answer = None
        if found is not None:
            payload, etag, body = found
            not_modified = not is_resource_modified(environ, etag.strip('"'))
            kept = self.kept.get(path)
            answer = kept[1].get(not_modified) if kept and kept[0] is payload else None
        if answer is None:
            return self.wsgi_app(environ, self._recorder(environ, start_response))
        status, headers, nonce = answer
        if nonce:
            fresh = f"'nonce-{secrets.token_urlsafe(16)}'"
            headers = [(name, NONCE_RE.sub(fresh, value) if name == "Content-Security-Policy"
                        else value) for name, value in headers]
        start_response(status, [*headers, ("Date", http_date())])
        return [] if not_modified else [body]

    def _recorder(self, environ, start_response):
        """start_response that also keeps the application's answer when it may be replayed.

        The payload is looked up once the view has run (a cache miss fills the cache).
        """

        def record(status, headers, exc_info=None):
            found = self.resource(environ) if exc_info is None else None
            if found is not None:
                self._keep(environ, found, status, headers)
            return start_response(status, headers, exc_info)

        return record

    def _keep(self, environ, found, status: str, headers: list) -> None:
        """Keep the application's answer for this payload, unless it is bound to the request."""
        payload, etag, _ = found
        path = environ["PATH_INFO"]
        not_modified = not is_resource_modified(environ, etag.strip('"'))
        expected = "304 " if not_modified else "200 "
        names = {name.lower() for name, _ in headers}
        if (not status.startswith(expected) or dict(headers).get("ETag") != etag
                or any(name.startswith("x-ratelimit") for name in names)
                or names & {"set-cookie", "retry-after"}):
            return
        kept = [(n, v) for n, v in headers if n.lower() not in REQUEST_BOUND]
        nonce = any(NONCE_RE.search(v) for n, v in kept if n == "Content-Security-Policy")
        answers = self.kept.get(path)
        if not answers or answers[0] is not payload:
            answers = self.kept[path] = (payload, {})
        answers[1][not_modified] = (status, kept, nonce)


def install(app) -> None:
    """Put the replay of fresh widget payloads in front of the application."""
    app.wsgi_app = Replayer(app.wsgi_app, app.config)
