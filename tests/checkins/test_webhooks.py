"""Outbound webhooks against a real HTTP server on 127.0.0.1: signatures, retries, refusals."""

import hashlib
import hmac
import json
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
