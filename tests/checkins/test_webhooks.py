"""Outbound webhooks against a real HTTP server on 127.0.0.1: signatures, retries, refusals."""

import hashlib
import hmac
import json
import re
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from ambassador.checkins import followup_actions, webhooks
from ambassador.checkins.followup_models import FollowUp
from ambassador.checkins.webhook_models import WebhookDelivery
from ambassador.extensions import db
from ambassador.nps.services import record_responses
from ambassador.utils import utcnow


class Receiver:
    """A local HTTP server answering with the statuses queued in `answers` (then 200)."""

    def __init__(self):
        self.requests, self.answers = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://example.com/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


def _deliveries():
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_detractor_is_posted_signed_and_slack_ready(receiver, make_user):
    marketer = make_user("marketer")
    _hook, secret = webhooks.create_webhook(marketer, "response.detractor", receiver.url)
    db.session.commit()
    record_responses([{"email": "d@example.com", "score": 2, "comment": "Too slow",
                       "name": "Dina", "company": "Acme"},
                      {"email": "p@example.com", "score": 10}], "api")
    db.session.commit()
    assert webhooks.deliver_due() == {"delivered": 1, "retry": 0, "failed": 0}
    [(path, headers, body)] = receiver.requests
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Ambassador-Signature"] == expected
    assert headers["X-Ambassador-Event"] == "response.detractor"
    payload = json.loads(body)
    assert payload["count"] == 1 and payload["items"][0]["score"] == 2
    assert payload["text"] == "New detractor: Dina (Acme) answered 2: “Too slow”"
    [delivery] = _deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == \
        ("delivered", 1, 200)


def test_a_500_is_retried_with_backoff_then_delivered(receiver, make_user):
    webhooks.create_webhook(make_user("marketer"), "response.received", receiver.url)
    db.session.commit()
    receiver.answers = [500]
    record_responses([{"email": "a@example.com", "score": 8}], "import")
    db.session.commit()
    now = utcnow()
    assert webhooks.deliver_due(now) == {"delivered": 0, "retry": 1, "failed": 0}
    [delivery] = _deliveries()
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == \
        ("pending", 500, "HTTP 500")
    assert delivery.next_attempt_at == now + webhooks.BACKOFF
    assert webhooks.deliver_due(now + timedelta(seconds=30))["retry"] == 0  # not due yet
    assert webhooks.deliver_due(now + timedelta(seconds=61))["delivered"] == 1
    [delivery] = _deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == \
        ("delivered", 2, 200)
    assert receiver.requests[0][2] == receiver.requests[1][2]  # the same body, re-signed alike


def test_it_gives_up_after_the_last_attempt(receiver, make_user):
    webhooks.create_webhook(make_user("marketer"), "response.received", receiver.url)
    db.session.commit()
    receiver.answers = [503] * webhooks.MAX_ATTEMPTS
    record_responses([{"email": "a@example.com", "score": 8}], "import")
    db.session.commit()
    moment = utcnow()
    for _ in range(webhooks.MAX_ATTEMPTS):
        webhooks.deliver_due(moment)
        moment += timedelta(days=1)
    [delivery] = _deliveries()
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)


def test_redirects_are_not_followed_and_a_4xx_is_not_retried(receiver, make_user):
    webhooks.create_webhook(make_user("marketer"), "response.received", receiver.url)
    db.session.commit()
    receiver.answers = [302]
    record_responses([{"email": "a@example.com", "score": 8}], "import")
    db.session.commit()
    webhooks.deliver_due()
    assert len(receiver.requests) == 1  # example.com was never asked
    [delivery] = _deliveries()
    assert (delivery.status, delivery.last_status_code) == ("failed", 302)
    assert "redirects are not followed" in delivery.last_error


def test_a_closed_port_is_logged_and_retried(make_user):
    webhooks.create_webhook(make_user("marketer"), "response.received", "http://127.0.0.1:9/x")
    db.session.commit()
    record_responses([{"email": "a@example.com", "score": 8}], "import")
    db.session.commit()
    assert webhooks.deliver_due()["retry"] == 1
    [delivery] = _deliveries()
    assert delivery.last_status_code is None and "Connection" in delivery.last_error


def test_tasks_opened_and_resolved_are_announced(receiver, make_user):
    marketer = make_user("marketer")
    webhooks.create_webhook(marketer, "task.opened", receiver.url)
    webhooks.create_webhook(marketer, "task.resolved", receiver.url)
    db.session.commit()
    record_responses([{"email": "d@example.com", "score": 0}], "checkin")
    db.session.commit()
    task = db.session.scalar(select(FollowUp))
    followup_actions.set_status(marketer, task, "resolved")
    db.session.commit()
    assert webhooks.deliver_due()["delivered"] == 2
    events = [json.loads(body)["event"] for _p, _h, body in receiver.requests]
    assert events == ["task.opened", "task.resolved"]
    item = json.loads(receiver.requests[0][2])["items"][0]
    assert item["url"].endswith(f"/dashboard/follow-ups/{task.id}")


def test_two_workers_never_post_the_same_delivery_twice(receiver, make_user):
    webhooks.create_webhook(make_user("marketer"), "response.received", receiver.url)
    db.session.commit()
    record_responses([{"email": "a@example.com", "score": 8}], "import")
    db.session.commit()
    now = utcnow()
    assert len(webhooks._claim(now)) == 1
    assert webhooks._claim(now) == []  # the lease holds it for the first worker


@pytest.mark.parametrize("url", [
    "", "ftp://example.com/x", "javascript:alert(1)", "https://user:pw@example.com/x",
    "https://token@example.com/x", "https:///nohost", "https://example.com/a b",
    "https://example.com:99999/x", "https://" + "a" * 2000 + ".com", "file:///etc/passwd",
])
def test_unusable_urls_are_refused(url):
    with pytest.raises(webhooks.WebhookRefused):
        webhooks.check_url(url)


def test_the_webhooks_page_shows_the_secret_once_and_the_log(client, login, make_user,
                                                          receiver):
    login(make_user("marketer"))
    response = client.post("/dashboard/webhooks", data={"event": "response.received",
                                                        "url": receiver.url})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    secret = html.split('id="new-secret">')[1].split("<")[0]
    assert secret.startswith("whsec_")
    assert secret not in client.get("/dashboard/webhooks").get_data(as_text=True)
    hook_id = _hook_id()
    assert client.post(f"/dashboard/webhooks/{hook_id}/test").status_code == 303
    webhooks.deliver_due()
    html = client.get(f"/dashboard/webhooks/{hook_id}").get_data(as_text=True)
    assert "delivered" in html and "ping" in html
    bad = client.post("/dashboard/webhooks", data={"event": "response.received",
                                                   "url": "https://u:p@example.com"})
    assert bad.status_code == 400 and "passwords" in bad.get_data(as_text=True)
    assert client.post("/dashboard/webhooks", data={"event": "nope", "url": receiver.url}
                       ).status_code == 400


def _hook_id():
    from ambassador.checkins.webhook_models import Webhook

    return db.session.scalar(select(Webhook.id))


def test_a_paused_webhook_gets_nothing(make_user):
    marketer = make_user("marketer")
    hook, _secret = webhooks.create_webhook(marketer, "response.received", "https://x.example")
    webhooks.set_active(marketer, hook, False)
    db.session.commit()
    record_responses([{"email": "a@example.com", "score": 8}], "import")
    db.session.commit()
    assert _deliveries() == []


def test_the_worker_job_delivers_what_is_due(app, receiver, make_user):
    from ambassador.checkins.loop_tasks import deliver_webhooks

    webhooks.create_webhook(make_user("marketer"), "response.received", receiver.url)
    db.session.commit()
    record_responses([{"email": "a@example.com", "score": 8}], "import")
    db.session.commit()
    deliver_webhooks()
    assert len(receiver.requests) == 1


# -- only public addresses, unless WEBHOOK_INTERNAL_HOSTS allows one -------------------

@pytest.fixture
def public_only(app):
    app.config["WEBHOOK_INTERNAL_HOSTS"] = ""
    yield
    app.config["WEBHOOK_INTERNAL_HOSTS"] = "127.0.0.1"


def _resolving(monkeypatch, name, *answers):
    """`name` resolves to each of `answers` in turn (the last one again after that)."""
    real, calls = socket.getaddrinfo, []

    def fake(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        calls.append(host)
        address = answers[min(len(calls), len(answers)) - 1]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return calls


@pytest.mark.parametrize("url, address", [
    ("http://127.0.0.1:6379/", "127.0.0.1"), ("http://localhost:8080/x", "127.0.0.1"),
    ("http://admin.localhost/x", "127.0.0.1"), ("http://10.0.0.5/x", "10.0.0.5"),
    ("http://192.168.1.1/x", "192.168.1.1"), ("http://100.64.0.7/x", "100.64.0.7"),
    ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
    ("http://0.0.0.0:5000/", "0.0.0.0"), ("http://[::1]:5000/", "::1"),
    ("http://[::ffff:127.0.0.1]/", "127.0.0.1"), ("http://[fd00::1]/", "fd00::1"),
    ("http://224.0.0.1/", "224.0.0.1"),
])
def test_an_internal_address_is_refused_when_the_webhook_is_added(public_only, make_user,
                                                                  url, address):
    with pytest.raises(webhooks.WebhookRefused, match="private network") as refused:
        webhooks.create_webhook(make_user("marketer"), "response.received", url)
    host = url.split("/")[2].rsplit(":", 1)[0] if "[" not in url else url.split("]")[0][8:]
    assert str(refused.value).startswith(f"{host} is {address}, an address" if host != address
                                         else f"{address} is an address")


def test_a_public_address_and_any_host_name_are_accepted_without_asking_dns(public_only,
                                                                           monkeypatch):
    calls = _resolving(monkeypatch, "hooks.example.com", "10.0.0.5")
    assert webhooks.check_url("https://93.184.215.14/x") == "https://93.184.215.14/x"
    assert webhooks.check_url("https://hooks.example.com/x") == "https://hooks.example.com/x"
    assert calls == []  # the name's addresses are checked when the worker connects


def test_the_page_says_why_an_internal_address_is_refused(public_only, client, login,
                                                         make_user):
    login(make_user("marketer"))
    response = client.post("/dashboard/webhooks", data={
        "event": "response.received", "url": "http://169.254.169.254/latest/meta-data"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "169.254.169.254 is an address inside a private network." in html
    assert "WEBHOOK_INTERNAL_HOSTS" in html
    assert _hook_id() is None


def test_a_name_that_resolves_inside_the_network_fails_at_once(public_only, receiver,
                                                               monkeypatch, make_user):
    _resolving(monkeypatch, "hooks.example.com", "127.0.0.1")
    url = receiver.url.replace("127.0.0.1", "hooks.example.com")
    webhooks.create_webhook(make_user("marketer"), "response.received", url)
    db.session.commit()
    record_responses([{"email": "a@example.com", "score": 8}], "import")
    db.session.commit()
    assert webhooks.deliver_due()["failed"] == 1
    [delivery] = _deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, None)
    assert "hooks.example.com is 127.0.0.1, an address inside a private network" in (
        delivery.last_error)
    assert receiver.requests == []


def test_one_lookup_is_checked_and_connected_to_so_rebinding_reaches_nothing_new(
        public_only, app, receiver, monkeypatch, make_user):
    # Allowed by address: the first answer is checked; a second lookup would get 10.0.0.9.
    app.config["WEBHOOK_INTERNAL_HOSTS"] = "127.0.0.0/8"
    calls = _resolving(monkeypatch, "rebind.example", "127.0.0.1", "10.0.0.9")
    url = receiver.url.replace("127.0.0.1", "rebind.example")
    webhooks.create_webhook(make_user("marketer"), "response.received", url)
    db.session.commit()
    record_responses([{"email": "a@example.com", "score": 8}], "import")
    db.session.commit()
    assert webhooks.deliver_due()["delivered"] == 1
    assert calls == ["rebind.example"]
    [(path, headers, _body)] = receiver.requests
    assert path == "/hook" and headers["Host"] == f"rebind.example:{receiver.server.server_port}"


def test_a_listed_host_name_may_be_internal(public_only, app, receiver, monkeypatch,
                                            make_user):
    app.config["WEBHOOK_INTERNAL_HOSTS"] = " Chat.Corp.Example , 10.1.2.0/24"
    _resolving(monkeypatch, "chat.corp.example", "127.0.0.1")
    url = receiver.url.replace("127.0.0.1", "chat.corp.example")
    webhooks.create_webhook(make_user("marketer"), "response.received", url)
    db.session.commit()
    record_responses([{"email": "a@example.com", "score": 8}], "import")
    db.session.commit()
    assert webhooks.deliver_due()["delivered"] == 1 and len(receiver.requests) == 1
    assert webhooks.check_url("http://10.1.2.3/x")
    with pytest.raises(webhooks.WebhookRefused):
        webhooks.check_url("http://10.1.3.3/x")


def test_a_new_secret_is_shown_once_and_signs_everything_from_then_on(client, login,
                                                                      make_user, receiver):
    from ambassador.audit.models import AuditEntry

    login(make_user("marketer"))
    created = client.post("/dashboard/webhooks", data={"event": "response.received",
                                                       "url": receiver.url})
    old = created.get_data(as_text=True).split('id="new-secret">')[1].split("<")[0]
    hook_id = _hook_id()
    record_responses([{"email": "a@example.com", "score": 8}], "import")
    db.session.commit()
    receiver.answers = [503]
    assert webhooks.deliver_due()["retry"] == 1  # the event waits for its second try

    detail = client.get(f"/dashboard/webhooks/{hook_id}").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([0-9a-f]{16})"', detail).group(1)
    response = client.post(f"/dashboard/webhooks/{hook_id}/secret", data={"seen": seen})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = html.split('id="new-secret">')[1].split("<")[0]
    assert secret.startswith("whsec_") and secret != old
    assert "The old secret no longer works" in html
    assert secret not in client.get(f"/dashboard/webhooks/{hook_id}").get_data(as_text=True)

    webhooks.deliver_due(now=utcnow() + timedelta(minutes=2))
    (_path, _h, first), (_path2, headers, body) = receiver.requests
    assert body == first  # the same event, signed with the new secret
    assert headers["X-Ambassador-Signature"] == webhooks.signature(secret, body)
    assert _h["X-Ambassador-Signature"] == webhooks.signature(old, body)
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "webhook.secret_changed"))
    assert secret not in str(entry.__dict__)

    # A second press from the same page (a double click) keeps the secret just shown.
    again = client.post(f"/dashboard/webhooks/{hook_id}/secret", data={"seen": seen},
                        follow_redirects=True)
    assert "was changed a moment ago" in again.get_data(as_text=True)
    assert 'id="new-secret"' not in again.get_data(as_text=True)
    db.session.expire_all()
    assert webhooks.get_webhook(hook_id).secret == secret
