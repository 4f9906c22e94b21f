"""Outbound webhooks: configuring them, queuing a delivery per event, delivering with retries.

An event (a batch of responses, its detractors, tasks opened, a task resolved) becomes
one delivery row per active webhook of that event type, in the transaction that caused
it, so nothing is announced for a change that was rolled back. The worker
(`deliver_due`, every minute) claims due rows with a conditional UPDATE whose row count
decides, POSTs the stored JSON body signed with the webhook's secret
(`X-Ambassador-Signature: sha256=<hex HMAC-SHA256 of the raw body>`), and records the
outcome: 2xx delivered; 5xx, 408, 429 and network errors retried with backoff up to
MAX_ATTEMPTS; any other answer (a 4xx, a redirect: none is followed) failed at once.
The body carries a `text` line, so a Slack or Teams incoming-webhook URL works as it is.
Requests go only to public internet addresses, unless WEBHOOK_INTERNAL_HOSTS allows a
host (`ambassador.egress`): a refused address fails the delivery at once.
"""

import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from ambassador import egress
from ambassador.audit.services import record_action
from ambassador.checkins.followup_models import FollowUp
from ambassador.checkins.webhook_models import MAX_URL, WEBHOOK_EVENTS, Webhook, WebhookDelivery
from ambassador.extensions import db
from ambassador.nps.models import Customer, Response
from ambassador.urls import absolute_url
from ambassador.utils import NotFound, ServiceError, utcnow

MAX_ATTEMPTS = 6
BACKOFF = timedelta(minutes=1)  # then ×5 each attempt: 1 min, 5 min, 25 min, 2 h, 10 h
LEASE = timedelta(minutes=5)  # a claimed delivery is retried after this if its worker died
ITEMS = 100  # items listed in one body; `count` says how many there were
CLAIM_BATCH = 20
RETRIED_CODES = {408, 425, 429}
USER_AGENT = "Ambassador-Webhooks/1"


class WebhookRefused(ServiceError):
    """A webhook URL or event that cannot be used, or a change that came too late."""


# -- configuring ------------------------------------------------------------------------

def check_url(raw: str) -> str:
    """The URL trimmed, if it is one we may POST to: http(s), a host, no credentials."""
    url = (raw or "").strip()
    if not url:
        raise WebhookRefused(_("Enter the URL to send the events to."))
    if len(url) > MAX_URL:
        raise WebhookRefused(_("This URL is too long (at most 2,000 characters)."))
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise WebhookRefused(_("A URL has no spaces or line breaks."))
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise WebhookRefused(_("This is not a URL we can send to.")) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise WebhookRefused(_("Only http:// and https:// URLs can receive webhooks."))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise WebhookRefused(_("Leave user names and passwords out of the URL: the "
                               "signature header proves the events come from us."))
    if not host:
        raise WebhookRefused(_("This URL has no host name."))
    address = egress.literal_refusal(host, _internal())
    if address:
        raise WebhookRefused(_internal_refusal(host, address))
    return url


def _internal() -> egress.Internal:
    return egress.Internal.parse(current_app.config.get("WEBHOOK_INTERNAL_HOSTS"))


def _internal_refusal(host: str, address: str) -> str:
    if host.strip("[]").lower() == address:
        where = _("%(address)s is an address inside a private network.", address=address)
    else:
        where = _("%(host)s is %(address)s, an address inside a private network.",
                  host=host, address=address)
    return where + " " + _("Webhooks go to public internet addresses only; an administrator "
                           "can allow an internal host with WEBHOOK_INTERNAL_HOSTS.")


def create_webhook(actor, event: str, url: str) -> tuple[Webhook, str]:
    """Add a webhook for `event`; return it and its secret (shown to the user once)."""
    if event not in WEBHOOK_EVENTS:
        raise WebhookRefused(_("Choose one of the events in the list."))
    secret = _new_secret()
    webhook = Webhook(event=event, url=check_url(url), secret=secret,
                      created_by_id=getattr(actor, "id", None))
    db.session.add(webhook)
    db.session.flush()
    record_action(actor, "webhook.created", webhook, after={"event": event, "url": webhook.url})
    return webhook, secret


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def change_secret(actor, webhook: Webhook, seen: str) -> str:
    """Give the webhook a new secret and return it (shown once); the old one stops at once.

    Every request from now on, retries of earlier events included, is signed with it.
    `seen` is the `secret_seen` of the page the button was on: when the secret changed
    since (a double press, two marketers at once), nothing changes, so the secret shown
    is always the one kept.
    """
    old = webhook.secret
    if seen != webhook.secret_seen:
        raise WebhookRefused(_changed_meanwhile())
    new = _new_secret()
    changed = db.session.execute(
        update(Webhook).where(Webhook.id == webhook.id, Webhook.secret == old)
        .values(secret=new).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise WebhookRefused(_changed_meanwhile())
    webhook.secret = new
    record_action(actor, "webhook.secret_changed", webhook)
    db.session.flush()
    return new


def _changed_meanwhile() -> str:
    return _("This webhook's secret was changed a moment ago, perhaps by a second press of "
             "the button. Press New secret again to get one you can copy.")


def get_webhook(webhook_id: int) -> Webhook:
    """The webhook, or NotFound."""
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound(_("This webhook does not exist (any more)."))
    return webhook


def list_webhooks() -> list[Webhook]:
    """Every webhook, by event then age."""
    return list(db.session.scalars(select(Webhook).order_by(Webhook.event, Webhook.id)))


def set_active(actor, webhook: Webhook, active: bool) -> None:
    """Pause or resume a webhook; a paused one gets no new deliveries."""
    if webhook.active != active:
        record_action(actor, "webhook.resumed" if active else "webhook.paused", webhook)
        webhook.active = active
        db.session.flush()


def delete_webhook(actor, webhook: Webhook) -> None:
    """Remove a webhook and its delivery log."""
    record_action(actor, "webhook.deleted", webhook, before={"event": webhook.event,
                                                            "url": webhook.url})
    db.session.delete(webhook)
    db.session.flush()


def deliveries(webhook: Webhook, limit: int = 100) -> list[WebhookDelivery]:
    """The webhook's latest deliveries, newest first."""
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)))


# -- events -----------------------------------------------------------------------------

def active_events() -> set[str]:
    """The event types that have at least one active webhook (one query per batch)."""
    return set(db.session.scalars(select(Webhook.event).where(Webhook.active.is_(True))))


def _active(event: str) -> list[Webhook]:
    return list(db.session.scalars(
        select(Webhook).where(Webhook.event == event, Webhook.active.is_(True))))


def queue_event(event: str, payload: dict, now=None) -> int:
    """Add one delivery of `payload` for each active webhook of `event`; how many."""
    hooks = _active(event)
    if not hooks:
        return 0
    now = now or utcnow()
    body = json.dumps({"event": event, "sent_at": now.isoformat(timespec="seconds"),
                       **payload}, ensure_ascii=False, separators=(",", ":"))
    db.session.add_all([WebhookDelivery(webhook_id=h.id, event=event, body=body,
                                        next_attempt_at=now, created_at=now) for h in hooks])
    db.session.flush()
    return len(hooks)


def _person(customer: Customer) -> dict:
    return {"email": customer.email, "name": customer.name, "company": customer.company}


def _response_items(response_ids: list[int], detractors_only: bool) -> tuple[int, list[dict]]:
    from ambassador.checkins.followups import among, id_chunks

    count, items = 0, []
    for chunk in id_chunks(response_ids):
        where = [among(Response.id, chunk)]
        if detractors_only:
            where.append(Response.score <= 6)
        count += db.session.scalar(select(db.func.count()).select_from(Response).where(*where))
        if len(items) < ITEMS:
            rows = db.session.execute(
                select(Response, Customer).join(Customer, Customer.id == Response.customer_id)
                .where(*where).order_by(Response.id).limit(ITEMS - len(items))).all()
            items += [{"response_id": r.id, "score": r.score, "comment": r.comment,
                       "responded_at": r.responded_at.isoformat(timespec="seconds"),
                       "source": r.source, "touchpoint": r.touchpoint,
                       "customer": _person(c)} for r, c in rows]
    return count, items


def _text_for(event: str, count: int, items: list[dict]) -> str:
    """The one line a chat channel shows (English, like the rest of the JSON)."""
    if count == 1 and items:
        item = items[0]
        who = item["customer"]["name"] or item["customer"]["email"]
        if item["customer"]["company"]:
            who += f" ({item['customer']['company']})"
        if event.startswith("response."):
            kind = "New detractor" if event == "response.detractor" else "New NPS response"
            text = f"{kind}: {who} answered {item['score']}"
            return text + (f": “{_short(item['comment'])}”" if item.get("comment") else "")
        verb = "opened" if event == "task.opened" else "resolved"
        return f"Follow-up task {verb} for {who}: {item['url']}"
    nouns = {"response.received": "new NPS responses", "response.detractor": "new detractors",
             "task.opened": "follow-up tasks opened", "task.resolved": "follow-up tasks resolved"}
    return f"{count} {nouns[event]}"


def _short(text: str, limit: int = 280) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def announce_responses(response_ids: list[int], now=None, events: set | None = None) -> None:
    """A recorded batch: `response.received` for all, `response.detractor` for the 0-6."""
    if not response_ids:
        return
    events = active_events() if events is None else events
    for event, only_detractors in (("response.received", False), ("response.detractor", True)):
        if event not in events:
            continue
        count, items = _response_items(response_ids, only_detractors)
        if count:
            queue_event(event, {"count": count, "items": items,
                                "text": _text_for(event, count, items)}, now)


def announce_tasks(event: str, task_ids: list[int], now=None,
                   events: set | None = None) -> None:
    """`task.opened` or `task.resolved` for these tasks, in one delivery per webhook."""
    if not task_ids or event not in (active_events() if events is None else events):
        return
    tasks = list(db.session.scalars(
        select(FollowUp).where(FollowUp.id.in_(sorted(task_ids)[:ITEMS])).order_by(FollowUp.id)))
    items = [{"task_id": t.id, "status": t.status, "reason": t.reason, "score": t.score,
              "opened_at": t.opened_at.isoformat(timespec="seconds"),
              "customer": _person(t.customer),
              "url": absolute_url("followups.detail", task_id=t.id)} for t in tasks]
    queue_event(event, {"count": len(task_ids), "items": items,
                        "text": _text_for(event, len(task_ids), items)}, now)


# -- delivering -------------------------------------------------------------------------

def signature(secret: str, body: bytes) -> str:
    """The X-Ambassador-Signature value: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _claim(now) -> list[int]:
    """Take up to CLAIM_BATCH due deliveries for this worker (each claimed by one only)."""
    due = list(db.session.scalars(
        select(WebhookDelivery.id).where(WebhookDelivery.status == "pending",
                                         WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(CLAIM_BATCH)))
    claimed = []
    for delivery_id in due:
        taken = db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
                   WebhookDelivery.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE, attempts=WebhookDelivery.attempts + 1))
        if taken.rowcount == 1:
            claimed.append(delivery_id)
    db.session.commit()  # the claims hold before any network call
    return claimed


def deliver_one(delivery: WebhookDelivery, now) -> None:
    """POST one claimed delivery and record what happened (flushes, no commit)."""
    webhook = delivery.webhook
    raw = delivery.body.encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "X-Ambassador-Event": delivery.event,
               "X-Ambassador-Delivery": str(delivery.id),
               "X-Ambassador-Signature": signature(webhook.secret, raw)}
    code, error, refused = None, "", False
    try:
        check_url(webhook.url)
        code = egress.post(webhook.url, raw, headers,
                           current_app.config.get("WEBHOOK_TIMEOUT", 10), _internal())
    except WebhookRefused as exc:
        error, refused = str(exc), True
    except egress.Refused as exc:
        error, refused = _internal_refusal(exc.host, exc.address), True
    except (OSError, ValueError) as exc:  # refused, timed out, TLS, DNS, bad URL
        error = f"{type(exc).__name__}: {exc}"[:500]
    delivery.last_status_code = code
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, ""
    else:
        if code is not None:
            error = f"HTTP {code}" + (" (redirects are not followed)" if 300 <= code < 400
                                      else "")
        delivery.last_error = error[:500]
        retry = not refused and (code is None or code >= 500 or code in RETRIED_CODES)
        if retry and delivery.attempts < MAX_ATTEMPTS:
            delivery.next_attempt_at = now + BACKOFF * 5 ** (delivery.attempts - 1)
        else:
            delivery.status = "failed"
    db.session.flush()


def deliver_due(now=None, stop=lambda: False) -> dict[str, int]:
    """Deliver every due webhook delivery (the worker's loop: it commits each outcome)."""
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    while not stop():
        moment = now or utcnow()
        claimed = _claim(moment)
        if not claimed:
            break
        for delivery_id in claimed:
            delivery = db.session.get(WebhookDelivery, delivery_id)
            deliver_one(delivery, moment)
            db.session.commit()
            counts["retry" if delivery.status == "pending" else delivery.status] += 1
    return counts


def delivery_summary(webhook_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per webhook: how many deliveries are pending, delivered and failed."""
    rows = db.session.execute(
        select(WebhookDelivery.webhook_id, WebhookDelivery.status, db.func.count())
        .where(WebhookDelivery.webhook_id.in_(webhook_ids))
        .group_by(WebhookDelivery.webhook_id, WebhookDelivery.status))
    summary: dict[int, dict[str, int]] = {}
    for webhook_id, status, count in rows:
        summary.setdefault(webhook_id, {})[status] = count
    return summary


def send_test(actor, webhook: Webhook) -> None:
    """Queue a `ping` delivery to this webhook, so marketers can see it work."""
    now = utcnow()
    body = json.dumps({"event": "ping", "sent_at": now.isoformat(timespec="seconds"),
                       "webhook_event": webhook.event,
                       "text": "Ambassador test: this webhook receives "
                               f"{webhook.event} events."}, separators=(",", ":"))
    db.session.add(WebhookDelivery(webhook_id=webhook.id, event="ping", body=body,
                                   next_attempt_at=now, created_at=now))
    record_action(actor, "webhook.tested", webhook)
    db.session.flush()

