"""Marketer pages for outbound webhooks: configure a URL per event, read the delivery log."""

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ambassador.auth.access import staff
from ambassador.auth.forms import EmptyForm
from ambassador.checkins import webhooks
from ambassador.checkins.followup_forms import EVENT_LABELS, WebhookForm
from ambassador.extensions import db
from ambassador.utils import ServiceError

bp = Blueprint("webhooks", __name__)


@bp.app_template_filter("webhook_event_label")
def webhook_event_label(event: str) -> str:
    """The event type in the reader's language."""
    return str(EVENT_LABELS.get(event, event))


def _index(form: WebhookForm, status: int = 200, secret: str | None = None, created=None):
    hooks = webhooks.list_webhooks()
    response = make_response(render_template(
        "checkins/webhooks.html", form=form, hooks=hooks, secret=secret, created=created,
        summary=webhooks.delivery_summary([h.id for h in hooks])), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/dashboard/webhooks", methods=["GET", "POST"])
@staff
def index():
    """The webhooks, and a form to add one; a new webhook's secret is shown here once."""
    form = WebhookForm()
    if not form.is_submitted():
        return _index(form)
    if not form.validate_on_submit():
        return _index(form, 400)
    try:
        webhook, secret = webhooks.create_webhook(current_user, form.event.data, form.url.data)
    except ServiceError as exc:
        db.session.rollback()
        form.url.errors = [str(exc)]
        return _index(form, exc.status_code)
    db.session.commit()
    return _index(WebhookForm(formdata=None), 200, secret=secret, created=webhook)


@bp.route("/dashboard/webhooks/<int:webhook_id>")
@staff
def detail(webhook_id: int):
    """One webhook and its delivery log: status code, attempts, last error."""
    webhook = webhooks.get_webhook(webhook_id)
    return render_template("checkins/webhook.html", webhook=webhook,
                           deliveries=webhooks.deliveries(webhook))


def _refused(webhook_id: int, message: str):
    """Back to the webhook's page, saying why nothing was done."""
    flash(message, "error")
    return redirect(url_for("webhooks.detail", webhook_id=webhook_id), code=303)


@bp.route("/dashboard/webhooks/<int:webhook_id>/secret", methods=["POST"])
@staff
def change_secret(webhook_id: int):
    """Replace the webhook's secret; the new one is shown on this answer only."""
    webhook = webhooks.get_webhook(webhook_id)
    if not EmptyForm().validate_on_submit():
        return _refused(webhook_id, _("The page had expired: please press the button again."))
    try:
        secret = webhooks.change_secret(current_user, webhook, request.form.get("seen", ""))
    except ServiceError as exc:
        db.session.rollback()
        return _refused(webhook_id, str(exc))
    db.session.commit()
    response = make_response(render_template(
        "checkins/webhook.html", webhook=webhook, deliveries=webhooks.deliveries(webhook),
        secret=secret))
    response.headers["Cache-Control"] = "no-store"
    return response


def _post(webhook_id: int, action) -> object:
    webhook = webhooks.get_webhook(webhook_id)
    if not EmptyForm().validate_on_submit():
        return _refused(webhook_id, _("The page had expired: please press the button again."))
    message = action(webhook)
    db.session.commit()
    flash(message, "success")
    return None


@bp.route("/dashboard/webhooks/<int:webhook_id>/pause", methods=["POST"])
@staff
def toggle(webhook_id: int):
    """Pause a webhook (no new deliveries) or resume it."""
    def act(webhook):
        webhooks.set_active(current_user, webhook, not webhook.active)
        return _("The webhook is on again.") if webhook.active else _("The webhook is paused.")
    return _post(webhook_id, act) or redirect(
        url_for("webhooks.detail", webhook_id=webhook_id), code=303)


@bp.route("/dashboard/webhooks/<int:webhook_id>/test", methods=["POST"])
@staff
def test(webhook_id: int):
    """Queue a test event to the webhook; the log shows how it went."""
    def act(webhook):
        webhooks.send_test(current_user, webhook)
        return _("A test event is queued: its delivery shows below within a minute.")
    return _post(webhook_id, act) or redirect(
        url_for("webhooks.detail", webhook_id=webhook_id), code=303)


@bp.route("/dashboard/webhooks/<int:webhook_id>/delete", methods=["POST"])
@staff
def delete(webhook_id: int):
    """Remove a webhook and its delivery log."""
    def act(webhook):
        webhooks.delete_webhook(current_user, webhook)
        return _("The webhook is removed.")
    return _post(webhook_id, act) or redirect(url_for("webhooks.index"), code=303)
