"""Load test: a realistic mix of promoters, websites and a survey tool against a running server.

    python bench/load.py prepare                 # once: more promoters, widgets, a token,
                                                 # check-ins and referral links
    python bench/load.py run --users 50 --duration 300 --url http://127.0.0.1:8000

`prepare` runs inside the app (DATABASE_URL, after `flask db upgrade` and `flask demo load`)
and writes what `run` needs to instance/load.json. `run` is a plain HTTP client (threads,
the standard library only): each virtual user logs in as its own promoter from its own
address (X-Forwarded-For: start the server with TRUSTED_PROXIES=1) and loops over the mix
below with a think time, while also acting as the websites that fetch widgets (several
Origin headers, ETag revalidation), the survey tool posting responses, people answering
their check-in mail and friends opening referral links (each from an address of their
own, without a login). Check-in links are signed with SECRET_KEY: `prepare` and the
server must share it. It prints
throughput, p50/p95/p99 latency and errors per endpoint. See bench/README.md.
"""

import argparse
import http.client
import json
import random
import re
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "instance" / "load.json"
PASSWORD = "load-test-password"
ORIGINS = ["https://www.acme.example", "https://shop.acme.example", "https://blog.acme.example",
           "https://partner.example.org", "https://acme.example.com.tr"]
WIDGET = {"enabled": True, "selection": "all", "tags": [], "min_rating": 1, "languages": [],
          "picked": [], "shown": 9, "theme": "light", "accent": "#4f46e5", "radius": 12,
          "font": "system", "show_photo": True, "show_rating": True, "show_date": True,
          "show_verified": True, "language": "en", "allowed_domains": [], "product_name": "",
          "product_type": ""}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# How check-in answers fall, 0 to 10: mostly promoters, some passives, a few detractors.
CHECKIN_SCORES = [1, 1, 1, 1, 1, 2, 2, 4, 6, 12, 14]

# (weight, action name): what one step of a virtual user does.
MIX = [(14, "portal"), (7, "programs"), (7, "program"), (2, "join_program"), (1, "leave_program"),
       (7, "offers"), (6, "offer"), (2, "claim"), (10, "forum"), (6, "category"),
       (10, "thread"), (2, "reply"), (3, "search"), (14, "widget_json"), (3, "widget_js"),
       (3, "embed"), (2, "snippet"), (5, "api_responses"), (4, "checkin"), (3, "referrals"),
       (3, "referral_visit"), (1, "referral_signup")]


# --- prepare: data beyond `demo load` ---------------------------------------------------

def prepare(promoters: int, checkins: int, out: Path) -> None:
    """Add active ambassadors with a known password and a referral link, widgets, an API
    token, and people mailed this quarter's check-in."""
    from sqlalchemy import select

    from ambassador import create_app
    from ambassador.auth import services as accounts
    from ambassador.auth.models import User
    from ambassador.auth.tokens import create_api_token
    from ambassador.extensions import db
    from ambassador.forum.models import Category, Thread
    from ambassador.nps.models import Customer
    from ambassador.nps.services import record_responses
    from ambassador.offers.models import Offer
    from ambassador.programs.models import Program
    from ambassador.utils import utcnow
    from ambassador.widgets.models import Widget
    from ambassador.widgets.services import create_widget

    app = create_app()
    with app.app_context():
        emails = [f"load-promoter-{n}@example.com" for n in range(promoters)]
        known = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
        record_responses([{"email": e, "score": 10, "name": f"Load Promoter {n}"}
                          for n, e in enumerate(emails) if e not in known], "import")
        ids = dict(db.session.execute(select(Customer.email, Customer.id).where(
            Customer.email.in_(emails))).all())
        for n, email in enumerate(emails):
            if email not in known:
                accounts.create_user(email, "promoter", f"Load Promoter {n}",
                                     password=PASSWORD, customer_id=ids[email])
        keys = ["demo", "demo-badge"]
        for n, layout in enumerate(["grid", "list", "carousel"]):
            key = f"load-{n}"
            if db.session.scalar(select(Widget.id).where(Widget.key == key)) is None:
                create_widget({**WIDGET, "name": f"Load {n}", "layout": layout}, key=key)
            keys.append(key)
        if db.session.scalar(select(Offer.id).where(Offer.title == "Load: pool")) is None:
            from ambassador.offers import codes, services

            now = utcnow() - timedelta(days=1)
            pool = services.create_offer(None, {"title": "Load: pool", "code_mode": "pool",
                                                "starts_at": now})
            codes.add_codes(pool, codes.lines_of_text("\n".join(
                f"LOAD-{n:06d}" for n in range(20_000))))
            services.create_offer(None, {"title": "Load: generated", "code_mode": "generated",
                                         "starts_at": now})
        _forum(db, emails)
        codes, friend_offer = _referrals(db, emails)
        links = _checkins(db, checkins)
        token = create_api_token(f"load test {uuid.uuid4().hex[:6]}")[1]
        data = {
            "promoters": emails, "password": PASSWORD, "token": token, "widgets": keys,
            "programs": list(db.session.scalars(select(Program.id).where(
                Program.status == "open"))),
            # Offers with room: a pool that runs out answers 409, as it should.
            "offers": list(db.session.scalars(select(Offer.id).where(
                Offer.title.like("Load: %")))),
            "categories": list(db.session.scalars(select(Category.id).where(
                Category.staff_only.is_(False), Category.program_id.is_(None)))),
            "threads": list(db.session.scalars(select(Thread.id).join(Category).where(
                Thread.hidden.is_(False), Thread.locked.is_(False),
                Category.staff_only.is_(False), Category.program_id.is_(None)))),
            "checkins": links, "referral_codes": codes, "friend_offer": friend_offer,
        }
        db.session.commit()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1))
    print(f"prepared {promoters} promoters, {len(keys)} widgets, {len(data['programs'])} "
          f"programs, {len(data['offers'])} offers, {len(data['threads'])} threads, "
          f"{len(links)} check-ins, {len(codes)} referral links -> {out}")


def _forum(db, emails: list[str], threads: int = 150, replies: int = 6) -> None:
    """More conversations, by the load promoters, in the forum's open categories."""
    from sqlalchemy import select

    from ambassador.auth.models import User
    from ambassador.forum import services
    from ambassador.forum.models import Category, Thread

    if db.session.scalar(select(Thread.id).where(Thread.title.like("Load: %"))) is not None:
        return
    rng = random.Random(7)  # nosec B311  # benchmark data
    people = list(db.session.scalars(select(User).where(User.email.in_(emails[:50]))))
    rooms = list(db.session.scalars(select(Category).where(
        Category.staff_only.is_(False), Category.program_id.is_(None))))
    for n in range(threads):
        thread = services.create_thread(rng.choice(people), rng.choice(rooms),
                                        f"Load: question {n} about the dashboard export",
                                        "How do you **export** the quarter? Any tips?")
        for m in range(rng.randrange(replies)):
            services.reply(rng.choice(people), thread, f"Reply {m}: the export button works.")


def _referrals(db, emails: list[str]) -> tuple[list[str], int]:
    """Every load promoter's referral link, and an open offer they share (generated codes)."""
    from sqlalchemy import select

    from ambassador.auth.models import User
    from ambassador.offers import services as offers
    from ambassador.offers.models import Offer
    from ambassador.referrals import services
    from ambassador.utils import utcnow

    offer_id = db.session.scalar(select(Offer.id).where(Offer.title == "Load: for friends"))
    if offer_id is None:
        offer_id = offers.create_offer(None, {
            "title": "Load: for friends", "code_mode": "generated", "shareable": True,
            "starts_at": utcnow() - timedelta(days=1)}).id
    people = db.session.scalars(select(User).where(User.email.in_(emails)).order_by(User.id))
    return [services.ensure_link(user).code for user in people], offer_id


def _checkins(db, count: int) -> list[str]:
    """`count` people (no account) mailed this quarter's check-in; returns their links' tokens."""
    from sqlalchemy import select

    from ambassador.checkins.models import CheckIn
    from ambassador.checkins.tokens import answer_token
    from ambassador.nps.models import Customer
    from ambassador.nps.rules import quarter_of
    from ambassador.nps.services import record_responses
    from ambassador.utils import utcnow

    now = utcnow()
    emails = [f"load-checkin-{n}@example.com" for n in range(count)]

    def customers() -> dict[str, int]:
        return dict(db.session.execute(select(Customer.email, Customer.id).where(
            Customer.email.in_(emails))).all())

    known = customers()
    record_responses([{"email": e, "score": 9, "responded_at": now - timedelta(days=120)}
                      for e in emails if e not in known], "import")
    ids = list(customers().values())
    quarter = quarter_of(now)
    mine = (CheckIn.customer_id.in_(ids), CheckIn.quarter == quarter)
    sent = set(db.session.scalars(select(CheckIn.customer_id).where(*mine)))
    db.session.add_all(CheckIn(customer_id=i, quarter=quarter, sent_at=now, last_mail_at=now)
                       for i in ids if i not in sent)
    db.session.flush()
    # A token holds the check-in and when its mail was written (nothing stored): links made
    # now work for 30 days, and answering again replaces the answer.
    return [answer_token(i, now) for i in db.session.scalars(select(CheckIn.id).where(*mine))]


# --- run: the virtual users ---------------------------------------------------------------

class Stats:
    """Per endpoint: latencies (ms), status counts and errors, kept per thread and merged."""

    def __init__(self):
        self.latencies = defaultdict(list)
        self.statuses = defaultdict(lambda: defaultdict(int))
        self.errors = defaultdict(list)

    def add(self, name: str, ms: float, status, ok: bool) -> None:
        self.latencies[name].append(ms)
        self.statuses[name][status] += 1
        if not ok:
            self.errors[name].append(status)

    def merge(self, other: "Stats") -> None:
        for name, values in other.latencies.items():
            self.latencies[name].extend(values)
            for status, count in other.statuses[name].items():
                self.statuses[name][status] += count
            self.errors[name].extend(other.errors[name])


class Client:
    """One keep-alive connection with its own cookies and client address."""

    def __init__(self, base: str, address: str, stats: Stats, timeout: float = 30):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.address, self.stats, self.timeout = address, stats, timeout
        self.cookies: dict[str, str] = {}
        self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, name, method, path, body=None, headers=None, ok=(200,)):
        headers = {"X-Forwarded-For": self.address, "Accept-Language": "en", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict):
            body = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port,
                                                           timeout=self.timeout)
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self.conn.close()
                self.conn = None
                # The server closed an idle keep-alive connection: a browser sends again.
                stale = isinstance(exc, http.client.RemoteDisconnected | BrokenPipeError
                                   | ConnectionResetError)
                if attempt == 1 and reused and stale:
                    start = time.perf_counter()
                    continue
                self.stats.add(name, (time.perf_counter() - start) * 1000,
                               type(exc).__name__, False)
                return None, b"", {}
        ms = (time.perf_counter() - start) * 1000
        for value in response.headers.get_all("Set-Cookie") or []:
            key, _, rest = value.partition("=")
            self.cookies[key.strip()] = rest.split(";", 1)[0]
        self.stats.add(name, ms, response.status, response.status in ok)
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, data, response.headers


class VirtualUser(threading.Thread):
    """A promoter (logged in) who also stands for the websites and the survey tool."""

    def __init__(self, n: int, base: str, data: dict, until: float, think: float, seed: int):
        super().__init__(daemon=True)
        self.rng = random.Random(seed * 1000 + n)
        self.stats, self.base = Stats(), base
        self.address = f"10.{n // 250}.{n % 250}.{1 + self.rng.randrange(250)}"
        self.web = Client(base, self.address, self.stats)
        self.site = Client(base, self.address, self.stats)  # no cookies: a web page's fetch
        self.data, self.until, self.think = data, until, think
        self.email = data["promoters"][n % len(data["promoters"])]
        self.etags: dict[str, str] = {}
        self.csrf = ""
        self.names, self.weights = zip(*[(name, w) for w, name in MIX], strict=True)

    def run(self) -> None:
        self.login()
        while time.monotonic() < self.until:
            action = self.rng.choices(self.names, self.weights)[0]
            getattr(self, action)()
            time.sleep(self.rng.uniform(0.5, 1.5) * self.think)

    def pick(self, key: str):
        return self.rng.choice(self.data[key]) if self.data[key] else None

    def login(self) -> None:
        _, page, _ = self.web.request("GET /login", "GET", "/login")
        token = CSRF.search(page.decode())
        self.web.request("POST /login", "POST", "/login", {
            "email": self.email, "password": self.data["password"],
            "csrf_token": token.group(1) if token else ""}, ok=(302,))
        self.portal()

    def _page(self, name: str, path: str, ok=(200,)) -> None:
        status, body, _ = self.web.request(name, "GET", path, ok=ok)
        found = CSRF.search(body.decode("utf-8", "replace")) if status == 200 else None
        if found:
            self.csrf = found.group(1)

    def _post(self, name: str, path: str, fields=None) -> None:
        self.web.request(name, "POST", path, {"csrf_token": self.csrf, **(fields or {})},
                         ok=(302, 303))

    def portal(self):
        self._page("GET /portal", "/portal")

    def programs(self):
        self._page("GET /programs", "/programs")

    def program(self):
        if (pid := self.pick("programs")) is not None:
            self._page("GET /programs/<id>", f"/programs/{pid}")

    def join_program(self):
        if (pid := self.pick("programs")) is not None:
            self._post("POST /programs/<id>/join", f"/programs/{pid}/join", {"waitlist": "1"})

    def leave_program(self):
        if (pid := self.pick("programs")) is not None:
            self._post("POST /programs/<id>/leave", f"/programs/{pid}/leave")

    def offers(self):
        self._page("GET /offers", "/offers")

    def offer(self):
        if (oid := self.pick("offers")) is not None:
            self._page("GET /offers/<id>", f"/offers/{oid}")

    def claim(self):
        if (oid := self.pick("offers")) is not None:
            self._post("POST /offers/<id>/claim", f"/offers/{oid}/claim")

    def forum(self):
        self._page("GET /forum", "/forum")

    def category(self):
        if (cid := self.pick("categories")) is not None:
            self._page("GET /forum/c/<id>", f"/forum/c/{cid}")

    def thread(self):
        if (tid := self.pick("threads")) is not None:
            self._page("GET /forum/t/<id>", f"/forum/t/{tid}")

    def reply(self):
        if (tid := self.pick("threads")) is not None:
            self._post("POST /forum/t/<id>/reply", f"/forum/t/{tid}/reply",
                       {"body": f"Agreed, thanks for sharing ({self.rng.randrange(10**6)})."})

    def search(self):
        word = self.rng.choice(["release", "dashboard", "tips", "onboarding", "export"])
        self._page("GET /forum/search", f"/forum/search?q={word}")

    def widget_json(self):
        key = self.pick("widgets")
        headers = {"Origin": self.rng.choice(ORIGINS), "Accept": "application/json"}
        if key in self.etags and self.rng.random() < 0.5:
            headers["If-None-Match"] = self.etags[key]
        status, _, response_headers = self.site.request(
            "GET /api/v1/widgets/<key>", "GET", f"/api/v1/widgets/{key}", headers=headers,
            ok=(200, 304))
        if status == 200 and response_headers.get("ETag"):
            self.etags[key] = response_headers["ETag"]

    def widget_js(self):
        self.site.request("GET /widget.js", "GET", "/widget.js")

    def embed(self):
        key = self.pick("widgets")
        self.site.request("GET /widgets/<key>/embed", "GET", f"/widgets/{key}/embed")

    def snippet(self):
        key = self.pick("widgets")
        self.site.request("GET /widgets/<key>/snippet.html", "GET",
                          f"/widgets/{key}/snippet.html", headers={"Origin": ORIGINS[0]})

    def _visitor(self) -> Client:
        """A browser of someone without a login (a mail reader, a friend): its own address."""
        address = f"172.{16 + self.rng.randrange(16)}.{self.rng.randrange(256)}." \
                  f"{1 + self.rng.randrange(254)}"
        return Client(self.base, address, self.stats)

    def checkin(self):
        """Someone clicks a score in their check-in mail, presses the button, reads the thanks."""
        if (token := self.pick("checkins")) is None:
            return
        score = self.rng.choices(range(11), CHECKIN_SCORES)[0]
        reader = self._visitor()
        status, page, _ = reader.request("GET /c/<token>/<score>", "GET", f"/c/{token}/{score}")
        found = CSRF.search(page.decode("utf-8", "replace")) if status == 200 else None
        if found:
            comment = "Answered by the load test" if self.rng.random() < 0.3 else ""
            status, _, _ = reader.request(
                "POST /c/<token>/<score>", "POST", f"/c/{token}/{score}",
                {"csrf_token": found.group(1), "comment": comment}, ok=(303,))
            if status == 303:
                reader.request("GET /c/<token>/thanks", "GET", f"/c/{token}/thanks")
        reader.close()

    def referrals(self):
        self._page("GET /referrals", "/referrals")

    def referral_visit(self, sign_up: bool = False):
        """A friend opens a referral link (its script counts the visit), maybe signs up."""
        if (code := self.pick("referral_codes")) is None:
            return
        offer = self.data.get("friend_offer") or ""
        friend = self._visitor()
        status, page, _ = friend.request("GET /r/<code>", "GET", f"/r/{code}?offer={offer}")
        found = CSRF.search(page.decode("utf-8", "replace")) if status == 200 else None
        if found:
            token = found.group(1)
            friend.request("POST /r/<code>/visit", "POST", f"/r/{code}/visit",
                           {"csrf_token": token, "offer": offer}, ok=(204,))
            if sign_up:
                status, _, _ = friend.request("POST /r/<code>", "POST", f"/r/{code}", {
                    "csrf_token": token, "offer_id": offer, "name": "Load Friend",
                    "email": f"load-friend-{uuid.uuid4().hex[:12]}@example.com",
                    "consent": "y"}, ok=(303,))
                if status == 303:
                    friend.request("GET /r/<code>/thanks", "GET", f"/r/{code}/thanks")
        friend.close()

    def referral_signup(self):
        self.referral_visit(sign_up=True)

    def api_responses(self):
        items = [{"email": f"load-api-{uuid.uuid4().hex[:12]}@example.com",
                  "score": self.rng.randrange(11), "comment": "Posted by the load test"}
                 for _ in range(self.rng.randrange(1, 6))]
        self.site.request("POST /api/v1/responses", "POST", "/api/v1/responses",
                          body=json.dumps(items), ok=(200, 201),
                          headers={"Authorization": f"Bearer {self.data['token']}",
                                   "Content-Type": "application/json"})


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if ordered else 0.0


def report(stats: Stats, seconds: float) -> None:
    """The table: per endpoint and in total (logging in, once per user, apart)."""
    every = [ms for name, values in stats.latencies.items() if "/login" not in name
             for ms in values]
    errors = sum(len(e) for e in stats.errors.values())
    print(f"{'endpoint':34} {'requests':>8} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} "
          f"{'max':>7} {'errors':>6}")
    for name in sorted(stats.latencies, key=lambda n: -len(stats.latencies[n])):
        values = stats.latencies[name]
        print(f"{name:34} {len(values):8d} {len(values) / seconds:7.1f} "
              f"{percentile(values, 50):7.1f} {percentile(values, 95):7.1f} "
              f"{percentile(values, 99):7.1f} {max(values):7.1f} {len(stats.errors[name]):6d}")
    print(f"{'all but login':34} {len(every):8d} {len(every) / seconds:7.1f} "
          f"{percentile(every, 50):7.1f} {percentile(every, 95):7.1f} {percentile(every, 99):7.1f} "
          f"{max(every or [0]):7.1f} {errors:6d}")
    for name, found in stats.errors.items():
        if found:
            counts = defaultdict(int)
            for status in found:
                counts[status] += 1
            print(f"  errors on {name}: {dict(counts)}")
    print("latencies in ms, measured at the client")


def run(url: str, users: int, duration: float, think: float, ramp: float, seed: int) -> int:
    data = json.loads(DATA.read_text())
    start = time.monotonic()
    until = start + ramp + duration
    crowd = [VirtualUser(n, url, data, until, think, seed) for n in range(users)]
    for user in crowd:
        user.start()
        time.sleep(ramp / max(1, users))
    for user in crowd:
        user.join()
    total = Stats()
    for user in crowd:
        total.merge(user.stats)
    seconds = time.monotonic() - start
    print(f"{users} users for {seconds:.0f} s (think time {think:g} s, seed {seed}) on {url}")
    report(total, seconds)
    return 1 if any(total.errors.values()) else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="add load-test data to DATABASE_URL")
    p.add_argument("--promoters", type=int, default=200)
    p.add_argument("--checkins", type=int, default=1000, help="people mailed a check-in")
    r = sub.add_parser("run", help="run the virtual users against a server")
    r.add_argument("--url", default="http://127.0.0.1:8000")
    r.add_argument("--users", type=int, default=50)
    r.add_argument("--duration", type=float, default=300, help="seconds after the ramp-up")
    r.add_argument("--think", type=float, default=1.0, help="mean pause between steps (s)")
    r.add_argument("--ramp", type=float, default=20, help="seconds to start every user")
    r.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.promoters, args.checkins, DATA)
        return 0
    return run(args.url.rstrip("/"), args.users, args.duration, args.think, args.ramp,
               args.seed)


if __name__ == "__main__":
    sys.exit(main())
