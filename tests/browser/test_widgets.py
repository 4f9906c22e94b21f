"""In Chromium: the widget on a stranger's page with a strict CSP and hostile CSS."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.nps.services import record_response
from ambassador.testimonials import services as testimonials
from ambassador.widgets import services as widgets
from tests.widgets.conftest import SETTINGS

HOSTILE_CSS = "* { color: red !important; font-family: monospace !important }"
LAYOUTS = ("grid", "carousel", "list", "badge")
XSS = "<img src=x onerror=alert(1)> and the team answered within the hour"


class HostSite:
    """A second origin serving a host page with a strict CSP and hostile CSS."""

    def __init__(self, app_url: str):
        site = self
        self.pages: dict[str, str] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                if path == "/host.css":
                    body, kind = HOSTILE_CSS.encode(), "text/css"
                elif path in site.pages:
                    body, kind = site.pages[path].encode(), "text/html; charset=utf-8"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Security-Policy",
                                 f"default-src 'none'; script-src {app_url}; "
                                 f"connect-src {app_url}; img-src {app_url}; style-src 'self'")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()  # the listening socket too, or it leaks until gc


@pytest.fixture
def host_site(live_server):
    site = HostSite(live_server.url)
    yield site
    site.close()


def _publish(n: int, body: str, rating: int):
    email = f"author{n}@example.com"
    response = record_response({"email": email, "score": 10, "name": f"Author {n}"}, "import")
    user = accounts.create_user(email, "promoter", f"Author {n}", customer_id=response.customer_id)
    testimonial = testimonials.submit(response.customer, testimonials.Submission(
        body=body, rating=rating, author_name=f"Author {n}", author_title="Northwind",
        consents=dict.fromkeys(("text", "name", "photo", "company"), True)), user=user)
    testimonial.status = "approved"
    testimonial.decided_at = testimonial.submitted_at


def _page(live_server, keys, script=True) -> str:
    divs = "".join(f'<h2>{k}</h2><div data-ambassador-widget="{k}"></div>' for k in keys)
    tag = f'<script src="{live_server.url}/widget.js" async></script>' if script else ""
    return (f'<!doctype html><html><head><link rel="stylesheet" href="/host.css"></head>'
            f'<body><p class="host">Host page text</p>{divs}{tag}</body></html>')


def test_the_widget_renders_under_a_strict_csp_and_nothing_leaks(
        browser, live_server, live_app, host_site, screenshots):
    for n, (body, rating) in enumerate([(XSS, 5), ("Fast answers from people who care.", 4),
                                        ("Honest advice, every single time.", 5)]):
        _publish(n, body, rating)
    for layout in LAYOUTS:
        widgets.create_widget({**SETTINGS, "name": layout, "layout": layout}, key=f"w-{layout}")
    db.session.commit()
    host_site.pages["/with.html"] = _page(live_server, [f"w-{x}" for x in LAYOUTS])
    host_site.pages["/without.html"] = _page(live_server, [f"w-{x}" for x in LAYOUTS],
                                             script=False)
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    problems, dialogs = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def host_style():
        return page.eval_on_selector("p.host", "p => { const s = getComputedStyle(p);"
                                     " return [s.color, s.fontFamily, s.fontSize]; }")

    page.goto(f"{host_site.url}/without.html")
    bare = host_style()
    page.goto(f"{host_site.url}/with.html")
    page.locator('[data-ambassador-widget="w-grid"] figure').first.wait_for()
    page.locator('[data-ambassador-widget="w-badge"] .badge').wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=screenshots / "widget-hostile-host.png", full_page=True)

    assert host_style() == bare  # the widget's CSS never touches the host page
    for layout in ("grid", "list"):
        assert page.locator(f'[data-ambassador-widget="w-{layout}"] figure').count() == 3
    assert page.locator('[data-ambassador-widget="w-carousel"] figure').count() == 1
    assert page.get_by_role("button", name="Next testimonial").is_visible()
    badge = page.locator('[data-ambassador-widget="w-badge"] .badge')
    assert "from 3 customers" in badge.inner_text()
    quote = page.locator('[data-ambassador-widget="w-grid"] blockquote', has_text="onerror")
    assert quote.inner_text().startswith("<img src=x onerror=alert(1)>")  # shown as text
    assert page.locator('[data-ambassador-widget="w-grid"] img[src="x"]').count() == 0
    style = quote.evaluate("q => { const s = getComputedStyle(q);"
                           " return [s.color, s.fontFamily]; }")
    assert style[0] != "rgb(255, 0, 0)" and "monospace" not in style[1]  # host CSS kept out
    assert page.get_by_label("5 out of 5").first.is_visible()
    assert dialogs == [] and problems == []
    context.close()


def test_an_unknown_key_leaves_the_host_page_intact(browser, live_server, live_app, host_site):
    host_site.pages["/broken.html"] = _page(live_server, ["does-not-exist"])
    context = browser.new_context()
    page = context.new_page()
    errors, warnings = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(f"{host_site.url}/broken.html")
    page.wait_for_timeout(800)
    assert errors == [] and page.locator("p.host").inner_text() == "Host page text"
    assert len([w for w in warnings if "Ambassador widget" in w]) <= 1
    context.close()
