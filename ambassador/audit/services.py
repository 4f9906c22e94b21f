"""Recording staff actions; every feature calls `record_action` in the transaction it changes."""

from datetime import date, datetime
from decimal import Decimal

from ambassador.audit.models import AuditEntry
from ambassador.extensions import db

ACTION_MAX = 60


def _target(target) -> tuple[str, str]:
    """(type, id) of a model instance, a (type, id) pair, or nothing."""
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        kind, ident = target
        return str(kind), "" if ident is None else str(ident)
    return getattr(target, "__tablename__", type(target).__name__), str(getattr(target, "id", ""))


def _plain(value):
    """JSON-safe copy of a before/after snapshot (dates as ISO 8601, sets as sorted lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record_action(actor, action: str, target=None, before: dict | None = None,
                  after: dict | None = None) -> AuditEntry:
    """Add an audit entry for `action` (e.g. "user.role_changed") by `actor` (a user or None).

    Joins the caller's transaction: an action that is rolled back leaves no entry.
    Flushes, never commits.
    """
    if not action or len(action) > ACTION_MAX:
        raise ValueError(f"audit action must be 1-{ACTION_MAX} characters")
    kind, ident = _target(target)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        target_type=kind,
        target_id=ident,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
