"""Closing the loop: follow-up tasks on unhappy answers and lapses, and welcome-backs.

Every recorded batch of responses (import, API, check-in) arrives through
`responses_recorded`. Per batch, with a few set-based statements whatever its size:

- each person with a 0-6 answer in the batch, and each person who went from active to
  lapsed, gets a follow-up task (a 0-6 answer that made an ambassador lapse counts once,
  as an unhappy answer). The rule: one task per person is open at a time (status
  open or contacted). A new unhappy answer while one is open joins it (its count, score
  and time are updated, and a contacted task goes back to open); once a task is
  resolved, the next unhappy answer opens a new one.
- each person who went from lapsed to active gets one welcome-back mail for the answer
  that brought them back (unique per response, so once per return), when that answer
  is from the last 30 days (an import of old answers welcomes nobody back today). It is
  the answer to what the person just did, so it is outside the contact budget, but
  nobody who unsubscribed gets it.

Staff actions on tasks (owner, status, notes, the "we changed this" reply) live in
`followup_actions`.
"""

from collections.abc import Iterable, Sequence
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, all_, and_, any_, bindparam, cast, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ambassador.checkins.followup_models import FollowUp, WelcomeBack
from ambassador.extensions import db
from ambassador.i18n import recipient_language
from ambassador.mail.budget import normalise, unsubscribed_among
from ambassador.mail.services import queue_mail
from ambassador.nps.models import Customer, Response
from ambassador.nps.signals import responses_recorded
from ambassador.urls import absolute_url
from ambassador.utils import utcnow

SQLITE_CHUNK = 5000  # ids per IN (...) on SQLite; PostgreSQL takes one array parameter
RANGE_GAPS = 10  # ids with at most one gap per RANGE_GAPS ids are read as a range (`among`)
# A welcome back answers a recent return: importing last spring's answers mails nobody.
WELCOME_BACK_WITHIN = timedelta(days=30)
UNHAPPY_MAX = 6
OPEN_STATUSES = ("open", "contacted")


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _insert(table):
    return (postgresql.insert if _postgresql() else sqlite.insert)(table)


def id_chunks(ids: Iterable[int]) -> list[list[int]] | list[range]:
    """The ids in as few pieces as the database takes in one statement.

    A `range` (an import's run of new ids) stays a range: a million ids cost nothing.
    """
    if not (isinstance(ids, range) and ids.step == 1):
        ids = sorted(set(ids))
    if not ids:
        return []
    if _postgresql():
        return [ids]
    return [ids[i:i + SQLITE_CHUNK] for i in range(0, len(ids), SQLITE_CHUNK)]


def among(column, ids: list[int]):
    """`column IN ids` (sorted, distinct, as `id_chunks` gives them) as PostgreSQL plans it well.

    An import announces its responses in slices of consecutive ids. PostgreSQL prices
    `= ANY(array of 10,000)` as 10,000 index descents and reads the whole table instead,
    once per statement and longer with every slice stored. So ids that fill their range
    (but for the few another writer took in between) become `BETWEEN first AND last`
    less those few: an index range scan over the slice alone. Scattered ids keep
    `= ANY(array)`, one parameter however many.
    """
    if not _postgresql():
        return column.in_(ids)
    first, last = ids[0], ids[-1]
    gaps = last - first + 1 - len(ids)
    if gaps * RANGE_GAPS > len(ids):
        return column == any_(_array(ids))
    within = column.between(first, last)
    if not gaps:
        return within
    wanted = set(ids)
    return and_(within, column != all_(_array([i for i in range(first, last) if i not in wanted])))


def _array(ids: list[int]):
    return cast(bindparam("ids", ids, unique=True), postgresql.ARRAY(Integer))


def _unhappy_in(response_ids: list[int]):
    """Per customer: the last 0-6 response of these ids and how many there were."""
    return (select(Response.customer_id.label("customer_id"),
                   func.max(Response.id).label("response_id"),
                   func.count().label("answers"))
            .where(among(Response.id, response_ids), Response.score <= UNHAPPY_MAX)
            .group_by(Response.customer_id).subquery("unhappy"))


def unhappy_people(response_ids: Sequence[int]) -> set[int]:
    """The customers with a 0-6 answer among these responses."""
    found: set[int] = set()
    for chunk in id_chunks(response_ids):
        found.update(db.session.scalars(select(_unhappy_in(chunk).c.customer_id)))
    return found


def open_for_unhappy(response_ids: list[int], now=None) -> list[int]:
    """Open or join a task for each person with a 0-6 answer among these; new task ids."""
    now = now or utcnow()
    opened: list[int] = []
    for chunk in id_chunks(response_ids):
        unhappy = _unhappy_in(chunk)
        latest = (select(unhappy.c.customer_id, unhappy.c.response_id, unhappy.c.answers,
                         Response.score, Response.responded_at)
                  .join(Response, Response.id == unhappy.c.response_id).subquery("latest"))
        table = FollowUp.__table__
        # Join the tasks already open: one UPDATE for the whole batch.
        db.session.execute(
            update(table)
            .where(table.c.open_customer_id == latest.c.customer_id)
            .values(triggers=table.c.triggers + latest.c.answers, score=latest.c.score,
                    response_id=latest.c.response_id, status="open",
                    last_triggered_at=now, updated_at=now))
        # Open the others: one INSERT ... SELECT; the unique open_customer_id settles races.
        stmt = _insert(table).from_select(
            ["customer_id", "open_customer_id", "status", "reason", "score", "response_id",
             "triggers", "opened_at", "last_triggered_at", "updated_at"],
            select(latest.c.customer_id, latest.c.customer_id, literal("open"),
                   literal("detractor"), latest.c.score, latest.c.response_id,
                   latest.c.answers, _now(now), _now(now), _now(now))
            .where(~select(table.c.id).where(table.c.open_customer_id == latest.c.customer_id)
                   .exists()))
        stmt = stmt.on_conflict_do_nothing(index_elements=["open_customer_id"])
        rows = db.session.execute(stmt.returning(table.c.id))
        opened.extend(row.id for row in rows)
    return opened


def _now(now):
    return bindparam(None, now, type_=FollowUp.__table__.c.opened_at.type)


def open_for_lapsed(customer_ids: list[int], now=None) -> list[int]:
    """Open or join a task (reason lapsed) for each of these people; the new task ids."""
    now = now or utcnow()
    opened: list[int] = []
    table = FollowUp.__table__
    customers = Customer.__table__
    for chunk in id_chunks(customer_ids):
        db.session.execute(
            update(table).where(among(table.c.open_customer_id, chunk))
            .values(triggers=table.c.triggers + 1, status="open", last_triggered_at=now,
                    updated_at=now))
        stmt = _insert(table).from_select(
            ["customer_id", "open_customer_id", "status", "reason", "score", "triggers",
             "opened_at", "last_triggered_at", "updated_at"],
            select(customers.c.id, customers.c.id, literal("open"), literal("lapsed"),
                   customers.c.latest_score, literal(1), _now(now), _now(now), _now(now))
            .where(among(customers.c.id, chunk),
                   ~select(table.c.id).where(table.c.open_customer_id == customers.c.id)
                   .exists()))
        rows = db.session.execute(
            stmt.on_conflict_do_nothing(index_elements=["open_customer_id"])
            .returning(table.c.id))
        opened.extend(row.id for row in rows)
    return opened


WELCOME_SUBJECT = _l("Welcome back: it is good to have you with us again")


def welcome_back(customer_ids: list[int], response_ids: list[int], now=None) -> int:
    """Queue one welcome-back mail per returning person (their 9-10 in this batch); count."""
    now = now or utcnow()
    queued = 0
    returning = set(customer_ids)
    table = WelcomeBack.__table__
    for chunk in id_chunks(response_ids):
        returns = db.session.execute(
            select(Response.customer_id, func.max(Response.id).label("response_id"))
            .where(among(Response.id, chunk), Response.score >= 9,
                   Response.responded_at >= now - WELCOME_BACK_WITHIN)
            .group_by(Response.customer_id)).all()
        rows = [{"customer_id": r.customer_id, "response_id": r.response_id, "queued_at": now}
                for r in returns if r.customer_id in returning]
        if not rows:
            continue
        created = db.session.execute(
            _insert(table).values(rows).on_conflict_do_nothing(index_elements=["response_id"])
            .returning(table.c.customer_id)).scalars().all()
        for piece in range(0, len(created), 500):
            queued += _queue_welcomes(created[piece:piece + 500])
    return queued


def _queue_welcomes(customer_ids: list[int]) -> int:
    """One welcome-back mail for each of these customers (their account found in one query)."""
    from ambassador.auth.models import User

    rows = db.session.execute(
        select(Customer, User).outerjoin(User, User.customer_id == Customer.id)
        .where(Customer.id.in_(customer_ids))).unique().all()
    portal, home = absolute_url("portal.home"), absolute_url("portal.index")
    stopped = unsubscribed_among(customer.email for customer, _user in rows)
    rows = [(customer, user) for customer, user in rows if normalise(customer.email) not in stopped]
    for customer, user in rows:
        queue_mail(customer.email, "welcome_back", WELCOME_SUBJECT,
                   locale=recipient_language(user, customer),
                   name=(user.name if user is not None and user.name else customer.name) or "",
                   link=portal if user is not None else home, has_account=user is not None)
    return len(rows)


def handle_batch(source: str, changes: dict, response_ids: Sequence[int], now=None) -> dict:
    """Everything closing the loop does for one recorded batch; what it opened and queued."""
    from ambassador.checkins import webhooks

    now = now or utcnow()
    opened = open_for_unhappy(response_ids, now) if response_ids else []
    lapsed = [cid for cid, change in changes.items()
              if change.old == "active" and change.new == "lapsed"]
    if lapsed and response_ids:  # a 0-6 answer that made someone lapse counts once, above
        lapsed = sorted(set(lapsed) - unhappy_people(response_ids))
    opened += open_for_lapsed(lapsed, now) if lapsed else []
    back = [cid for cid, change in changes.items()
            if change.old == "lapsed" and change.new == "active"]
    welcomed = welcome_back(back, response_ids, now) if back else 0
    events = webhooks.active_events()
    if events:
        webhooks.announce_responses(response_ids, now, events)
        webhooks.announce_tasks("task.opened", opened, now, events)
    return {"opened": opened, "welcomed": welcomed}


def subscribe() -> None:
    """Follow every recorded batch of responses (connecting twice changes nothing)."""
    responses_recorded.connect(_on_responses_recorded)


def _on_responses_recorded(_app, source=None, changes=None, response_ids=None, **_extra):
    # Passed on as sent: an import's range of a million ids stays a range (`id_chunks`).
    handle_batch(source or "", changes or {}, response_ids or [])


def open_tasks_by_company(companies: list[str]) -> dict[str, int]:
    """How many open or contacted tasks each of these companies' people have."""
    if not companies:
        return {}
    rows = db.session.execute(
        select(Customer.company, func.count(FollowUp.id))
        .join(FollowUp, and_(FollowUp.customer_id == Customer.id,
                             FollowUp.open_customer_id.is_not(None)))
        .where(Customer.company.in_(companies)).group_by(Customer.company))
    return dict(rows.all())
