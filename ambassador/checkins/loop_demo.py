"""Closing the loop in the demo: follow-ups in every status, a webhook and its delivery log."""

import json
from datetime import timedelta

from sqlalchemy import select

from ambassador.checkins import digest, webhooks
from ambassador.checkins.followup_models import FollowUp, FollowUpEvent
from ambassador.checkins.webhook_models import WebhookDelivery
from ambassador.extensions import db

NOTES = ["Called, left a voicemail.", "Their invoices were sent twice: billing is on it.",
         "Wants a call with their account manager next week."]
REPLY = ("You told us exports were slow. We rebuilt them: a year of data now downloads in "
         "seconds. Thank you for telling us.")


def load_loop_demo(now, marketer, admin) -> None:
    """Give the tasks opened by the demo answers owners, notes, replies and statuses."""
    tasks = list(db.session.scalars(select(FollowUp).order_by(FollowUp.id)).unique())
    for index, task in enumerate(tasks):
        kind = index % 4  # open and unowned, open and owned, contacted, resolved
        if kind == 0:
            continue
        owner = marketer if index % 3 else admin
        task.owner_id = owner.id
        _event(task, owner, "owner", owner.display_name, now - timedelta(days=6))
        if kind >= 1:
            _event(task, owner, "note", NOTES[index % len(NOTES)], now - timedelta(days=5))
        if kind >= 2:
            task.status = "contacted"
            _event(task, owner, "reply", REPLY, now - timedelta(days=4))
            _event(task, owner, "status", "contacted", now - timedelta(days=4))
        if kind == 3:
            task.status, task.open_customer_id = "resolved", None
            task.resolved_at = now - timedelta(days=2)
            _event(task, owner, "status", "resolved", now - timedelta(days=2))
    hook, _secret = webhooks.create_webhook(
        marketer, "response.detractor", "https://hooks.slack.com/services/T0DEMO/B0DEMO/demo")
    hook.active = False  # paused: the demo never posts to the outside world
    body = {"event": "response.detractor", "count": 1,
            "text": "New detractor: Jonas Weber (Nordlicht) answered 4: “Support took a week”"}
    for days, status, code, attempts, error in ((9, "delivered", 200, 1, ""),
                                                (6, "delivered", 200, 2, ""),
                                                (3, "failed", 404, 1, "HTTP 404"),
                                                (1, "delivered", 200, 1, "")):
        at = now - timedelta(days=days)
        db.session.add(WebhookDelivery(
            webhook_id=hook.id, event=hook.event, status=status, attempts=attempts,
            last_status_code=code, last_error=error, created_at=at, next_attempt_at=at,
            delivered_at=at if status == "delivered" else None,
            body=json.dumps({**body, "sent_at": at.isoformat(timespec="seconds")})))
    digest.set_subscribed(marketer, True)
    db.session.flush()


def _event(task, actor, kind: str, body: str, at) -> None:
    db.session.add(FollowUpEvent(follow_up_id=task.id, kind=kind, body=body, actor_id=actor.id,
                                 created_at=at))
