"""Development: deliver new mail right after the commit that queued it.

With MAIL_URL unset, a newcomer running `make run` sees each message's links in the
console as soon as the page that caused it has saved, without running a worker.
OUTBOX_DELIVER_ON_COMMIT (true/false) overrides the default, which is on only for that
development console: MAIL_URL unset, MAIL_ECHO on (off in ProductionConfig) and not
under test. Production delivers with the `outbox deliver` worker.
"""

from contextvars import ContextVar

from flask import Flask, current_app, has_app_context

from ambassador.extensions import db
from ambassador.mail.services import QUEUED_FLAG

_delivering: ContextVar[bool] = ContextVar("outbox_delivering", default=False)


def deliver_on_commit(app: Flask) -> bool:
    """Whether this app delivers queued mail right after each commit."""
    setting = app.config.get("OUTBOX_DELIVER_ON_COMMIT")
    if setting is None:
        return not app.config.get("MAIL_URL") and bool(app.config.get("MAIL_ECHO")) \
            and not app.testing
    if isinstance(setting, str):  # straight from an environment variable
        return setting.strip().lower() in ("1", "true", "yes", "on")
    return bool(setting)


def _after_commit(session) -> None:
    if not session.info.pop(QUEUED_FLAG, False) or not has_app_context() or _delivering.get():
        return
    app = current_app._get_current_object()
    if not deliver_on_commit(app):
        return
    from ambassador.mail.delivery import deliver_due

    token = _delivering.set(True)
    try:
        with app.app_context():  # its own session and connection: ours is closing
            deliver_due()
    except Exception:  # the change is saved; the mail stays queued for `outbox deliver`
        app.logger.exception("delivering the outbox after a commit failed")
    finally:
        _delivering.reset(token)


def _after_rollback(session) -> None:
    session.info.pop(QUEUED_FLAG, None)


def install() -> None:
    """Listen to commits and rollbacks of db.session (once)."""
    from sqlalchemy import event

    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
