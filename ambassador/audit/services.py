"""Recording staff actions; every feature calls `record_action` in the transaction it changes."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Text, cast, func, or_, select

from ambassador.audit.models import AuditEntry
from ambassador.constants import MAX_EMAIL
from ambassador.extensions import db
from ambassador.utils import utcnow

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


def record_export(actor, what: str, filters: dict | None = None) -> AuditEntry:
    """Record that `actor` downloaded an export (`what`: "responses", "testimonials", …).

    Exports are GET downloads: this appends to the audit log, which is the one table a
    GET may write to (an append-only log of reads, never data the product shows).
    """
    shown = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    return record_action(actor, f"{what}.exported", None, after=shown or None)


REDACTED = "[erased]"


def _redacted(value, keys: frozenset[str], needles: tuple[str, ...]):
    """The snapshot with the values under `keys`, and strings holding a needle, as REDACTED."""
    if isinstance(value, dict):
        return {key: REDACTED if key in keys and item is not None
                else _redacted(item, keys, needles) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, keys, needles) for item in value]
    if isinstance(value, str) and any(needle in value.lower() for needle in needles):
        return REDACTED
    return value


def redact_entries(target_type: str, target_ids: Iterable, keys: Iterable[str] = (),
                   values: Iterable[str] = (), now: datetime | None = None) -> int:
    """Erase personal data from the entries about these objects; returns how many changed.

    In each entry whose object is one of `target_ids` of `target_type`, the values under
    `keys` (anywhere in before/after) and every string containing one of `values`
    (case-insensitive, e.g. the person's addresses) become "[erased]", and `redacted_at`
    is set. Who, what, when and the object stay. The only change the application makes to
    an entry (and, on PostgreSQL, the only one the append-only trigger lets through).
    """
    ids = sorted({str(ident) for ident in target_ids if ident is not None})
    keys = frozenset(keys)
    needles = _needles(values)
    if not ids or not (keys or needles):
        return 0
    return _redact(select(AuditEntry).where(AuditEntry.target_type == target_type,
                                            AuditEntry.target_id.in_(ids)),
                   keys, needles, now)


def _needles(values: Iterable[str]) -> tuple[str, ...]:
    """The strings to erase, lower-cased, each once."""
    return tuple(sorted({value.lower() for value in values if value}))


def _redact(query, keys: frozenset[str], needles: tuple[str, ...],
            now: datetime | None) -> int:
    """Redact the entries the query finds (see `redact_entries`); how many changed."""
    now = now or utcnow()
    changed = 0
    for entry in db.session.scalars(query):
        before, after = (_redacted(entry.before, keys, needles),
                         _redacted(entry.after, keys, needles))
        if (before, after) != (entry.before, entry.after):
            entry.before, entry.after, entry.redacted_at = before, after, now
            changed += 1
    db.session.flush()
    return changed


def redact_mentions(values: Iterable[str], now: datetime | None = None) -> int:
    """Erase these strings (a person's addresses) from every entry holding one; how many.

    The features redact the entries about the person's own objects (`redact_entries`,
    which also knows the keys that hold names and texts). This finds the rest, whatever
    their object: an address a marketer typed into a reward's reason or a message.
    """
    needles = _needles(values)
    if not needles:
        return 0
    # The stored JSON may spell a non-ASCII address with \u escapes: look for both forms.
    patterns = sorted({form for needle in needles
                       for form in (needle, json.dumps(needle)[1:-1])})
    found = [func.lower(cast(column, Text)).contains(pattern, autoescape=True)
             for pattern in patterns for column in (AuditEntry.before, AuditEntry.after)]
    return _redact(select(AuditEntry).where(or_(*found)), frozenset(), needles, now)


PER_PAGE = 50
EXPORT_COLUMNS = ("id", "created_at", "actor_email", "action", "target_type", "target_id",
                  "before", "after", "redacted_at")


@dataclass(frozen=True)
class AuditFilters:
    """What the audit page is narrowed to; every field optional."""

    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        """Filters from a query string; values that cannot be read are dropped, never a 500."""
        def text(name: str, limit: int) -> str:
            value = (args.get(name) or "").strip()
            return value[:limit] if value.isprintable() else ""

        return cls(actor=text("actor", MAX_EMAIL), action=text("action", ACTION_MAX),
                   target_type=text("type", 60), target_id=text("object", 64),
                   since=_day(args.get("from")), until=_day(args.get("to")))

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for the pager and the CSV link)."""
        raw = {"actor": self.actor, "action": self.action, "type": self.target_type,
               "object": self.target_id,
               "from": self.since.isoformat() if self.since else "",
               "to": self.until.isoformat() if self.until else ""}
        return {key: value for key, value in raw.items() if value}


def _day(raw) -> date | None:
    """A YYYY-MM-DD date from a form field, or None."""
    raw = (raw or "").strip()
    if len(raw) != 10:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def entries_query(filters: AuditFilters):
    """The SELECT of audit entries matching the filters, newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if filters.actor:
        stmt = stmt.where(func.lower(AuditEntry.actor_email).like(_like(filters.actor),
                                                                  escape="\\"))
    if filters.action:
        # "user" matches every user.* action; "user.role_changed" exactly that one
        stmt = stmt.where(or_(AuditEntry.action == filters.action,
                              AuditEntry.action.like(_like(filters.action + ".")[1:],
                                                     escape="\\")))
    if filters.target_type:
        stmt = stmt.where(AuditEntry.target_type == filters.target_type)
    if filters.target_id:
        stmt = stmt.where(AuditEntry.target_id == filters.target_id)
    if filters.since:
        stmt = stmt.where(AuditEntry.created_at >= _midnight(filters.since))
    if filters.until:
        stmt = stmt.where(AuditEntry.created_at < _midnight(filters.until + timedelta(days=1)))
    return stmt


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def search_entries(filters: AuditFilters, page: int = 1, per_page: int = PER_PAGE):
    """One page of matching entries (a Flask-SQLAlchemy pagination)."""
    page = min(max(page or 1, 1), 1_000_000)
    return db.paginate(entries_query(filters), page=page, per_page=per_page, error_out=False)


def known_values() -> tuple[list[str], list[str]]:
    """The actions and object types that occur, for the filter pickers."""
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    kinds = db.session.scalars(select(AuditEntry.target_type).distinct()
                               .where(AuditEntry.target_type != "")
                               .order_by(AuditEntry.target_type))
    return list(actions), list(kinds)


def export_rows(filters: AuditFilters):
    """The matching entries as CSV rows, newest first, read in chunks."""
    # before/after read as the JSON text stored, not decoded and encoded again per row
    columns = entries_query(filters).with_only_columns(
        AuditEntry.id, AuditEntry.created_at, AuditEntry.actor_email, AuditEntry.action,
        AuditEntry.target_type, AuditEntry.target_id, AuditEntry.before, AuditEntry.after,
        AuditEntry.redacted_at)
    for ident, at, actor, action, kind, target, before, after, redacted in db.session.execute(
            columns.execution_options(yield_per=2000)):
        yield (ident, at.isoformat(), actor or "", action, kind, target,
               snapshot_text(before), snapshot_text(after),
               redacted.isoformat() if redacted else "")


def snapshot_text(value) -> str:
    """A before/after snapshot as people read it, on the page and in the CSV: JSON with
    its accents as written (not \\u00e9); "" for none."""
    return "" if value is None else json.dumps(value, ensure_ascii=False, default=str)
