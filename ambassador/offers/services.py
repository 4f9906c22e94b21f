"""The rules of offers: who may claim, when an offer is open, and claiming without overselling.

A claim reserves its place with one conditional UPDATE (`claimed = claimed + 1` only
while there is room) whose row count decides, then takes a code the same way (a free
pool code is marked taken only if it is still free). The unique (offer, person)
redemption makes a double click one claim: the second transaction fails on it and the
view shows the code the first one got. This holds on PostgreSQL and on SQLite alike.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, exists, func, or_, select, update

from ambassador.extensions import db
from ambassador.offers.codes import check_code, new_code
from ambassador.offers.models import CODE_MODES, Offer, OfferCode, Redemption
from ambassador.utils import NotFound, ServiceError, utcnow

LOW_POOL_SHARE = 0.10  # warn the marketers below 10 % of the pool left
MAX_LIMIT = 1_000_000
GENERATE_ATTEMPTS = 20


class ClaimRefused(ServiceError):
    """This person may not claim offers (a lapsed ambassador, a marketer)."""

    status_code = 403


class OfferUnavailable(ServiceError):
    """The offer cannot be claimed now: not open yet, over, or every code is taken."""

    status_code = 409


@dataclass
class Claim:
    """What a claim gave: the redemption, and whether it was made just now."""

    redemption: Redemption
    created: bool


# -- reading -----------------------------------------------------------------------------


def get_offer(offer_id: int) -> Offer:
    """The offer with this id, or NotFound."""
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(_("This offer does not exist."))
    return offer


def availability(offer: Offer, now: datetime | None = None) -> str:
    """"open", "upcoming", "expired" or "exhausted" (what the offer page says)."""
    now = now or utcnow()
    if offer.starts_at > now:
        return "upcoming"
    if offer.ends_at is not None and offer.ends_at <= now:
        return "expired"
    if offer.remaining == 0:
        return "exhausted"
    return "open"


def unavailable_message(offer: Offer, state: str) -> str:
    """Why an offer cannot be claimed, in the words the promoter sees."""
    if state == "upcoming":
        return _("This offer opens on %(date)s (UTC). Come back then to claim it.",
                 date=offer.starts_at.strftime("%Y-%m-%d %H:%M"))
    if state == "expired":
        return _("This offer ended on %(date)s (UTC): it can no longer be claimed.",
                 date=offer.ends_at.strftime("%Y-%m-%d %H:%M"))
    return _("Every code of this offer has been claimed: it is exhausted.")


def claim_refusal(user) -> str | None:
    """Why this user may not claim offers, or None when they may."""
    if user.role != "promoter":
        return _("Offers are for ambassadors: a staff account cannot claim them. "
                 "Log in with an ambassador account to try the claim yourself.")
    status = user.customer.status if user.customer is not None else "none"
    if status == "lapsed":
        return _("Claiming offers is paused while your latest answer is below 9. "
                 "Your codes stay yours, and new offers open again as soon as you "
                 "rate us 9 or 10.")
    if status != "active":
        return _("Offers are for active ambassadors, and your account is not linked to "
                 "a 9 or 10 answer yet. They open as soon as you rate us 9 or 10.")
    return None


def redemption_for(offer_id: int, user_id: int) -> Redemption | None:
    """This person's claim of this offer, if they made one."""
    return db.session.scalar(select(Redemption).where(
        Redemption.offer_id == offer_id, Redemption.user_id == user_id))


def _current(now: datetime):
    return and_(Offer.starts_at <= now, or_(Offer.ends_at.is_(None), Offer.ends_at > now))


def promoter_offers(user, now: datetime | None = None) -> list[tuple[Offer, Redemption | None]]:
    """The offers a promoter sees: open and upcoming ones, and every one they claimed."""
    now = now or utcnow()
    claimed = {r.offer_id: r for r in db.session.scalars(
        select(Redemption).where(Redemption.user_id == user.id))}
    offers = db.session.scalars(
        select(Offer).where(or_(Offer.ends_at.is_(None), Offer.ends_at > now,
                                Offer.id.in_(list(claimed) or [-1])))
        .order_by(Offer.starts_at.desc(), Offer.id.desc())).all()
    return [(offer, claimed.get(offer.id)) for offer in offers]


def unclaimed_for(user, now: datetime | None = None, limit: int | None = 3) -> list[Offer]:
    """Open offers an active ambassador has not claimed yet (for the portal home)."""
    if claim_refusal(user) is not None:
        return []
    now = now or utcnow()
    mine = exists().where(Redemption.offer_id == Offer.id, Redemption.user_id == user.id)
    return list(db.session.scalars(
        select(Offer).where(_current(now), ~mine, _has_room())
        .order_by(Offer.starts_at.desc(), Offer.id.desc()).limit(limit)))


def staff_offers() -> list[Offer]:
    """Every offer, newest first (the marketers' list)."""
    return list(db.session.scalars(select(Offer).order_by(Offer.created_at.desc(),
                                                          Offer.id.desc())))


def pool_is_low(offer: Offer) -> bool:
    """True when a code pool has less than 10 % of its codes left."""
    return (offer.code_mode == "pool" and offer.codes_total > 0
            and offer.codes_total - offer.claimed < LOW_POOL_SHARE * offer.codes_total)


def redemptions_query(offer_id: int):
    """The claims of an offer, newest first, with who made them."""
    from ambassador.auth.models import User

    return (select(Redemption.claimed_at, Redemption.code, User.email, User.name)
            .join(User, User.id == Redemption.user_id)
            .where(Redemption.offer_id == offer_id)
            .order_by(Redemption.claimed_at.desc(), Redemption.id.desc()))


def free_codes(offer_id: int) -> int:
    """How many pool codes are still free."""
    return db.session.scalar(select(func.count()).select_from(OfferCode).where(
        OfferCode.offer_id == offer_id, OfferCode.claimed_at.is_(None)))


# -- writing by marketers ----------------------------------------------------------------


def _check(values: dict, offer: Offer | None) -> dict:
    """Validate an offer's fields (title, window, limit, code mode); return them cleaned."""
    title = (values.get("title") or "").strip()
    if not title:
        raise ServiceError(_("Give the offer a title."))
    if len(title) > 200:
        raise ServiceError(_("The title can have at most 200 characters."))
    starts, ends = values.get("starts_at") or utcnow(), values.get("ends_at")
    if ends is not None and ends <= starts:
        raise ServiceError(_("The offer ends before it starts: choose an end after the start."))
    limit = values.get("total_limit")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise ServiceError(_("The total limit is a number from 1 to %(max)s, or empty for "
                             "no limit.", max=f"{MAX_LIMIT:,}"))
    mode = values.get("code_mode")
    if mode not in CODE_MODES:
        raise ServiceError(_("Choose how the code is given."))
    claimed = offer.claimed if offer is not None else 0
    if offer is not None and mode != offer.code_mode and claimed:
        raise ServiceError(ngettext(
            "%(num)s person has already claimed this offer: its kind of code can no longer "
            "change.",
            "%(num)s people have already claimed this offer: its kind of code can no longer "
            "change.", claimed))
    if limit is not None and limit < claimed:
        raise ServiceError(ngettext(
            "%(num)s person has already claimed this offer: the total limit cannot be lower "
            "than %(num)s (you asked for %(limit)s).",
            "%(num)s people have already claimed this offer: the total limit cannot be lower "
            "than %(num)s (you asked for %(limit)s).", claimed, limit=limit))
    shared = (values.get("shared_code") or "").strip() or None
    if mode == "shared":
        if shared is None:
            raise ServiceError(_("Enter the code everybody gets."))
        problem = check_code(shared)
        if problem:
            raise ServiceError(problem)
    return {"title": title, "description": values.get("description") or "",
            "terms": values.get("terms") or "", "starts_at": starts, "ends_at": ends,
            "total_limit": limit, "code_mode": mode,
            "shared_code": shared if mode == "shared" else None,
            "shareable": bool(values.get("shareable"))}


def snapshot(offer: Offer) -> dict:
    """The fields a marketer sets, for the audit trail."""
    return {key: getattr(offer, key) for key in (
        "title", "starts_at", "ends_at", "total_limit", "code_mode", "shared_code",
        "shareable", "codes_total")}


def create_offer(actor, values: dict) -> Offer:
    """Create an offer from the form's values (a pool offer gets its codes next)."""
    offer = Offer(created_by_id=getattr(actor, "id", None), **_check(values, None))
    db.session.add(offer)
    db.session.flush()
    return offer


def update_offer(offer: Offer, values: dict) -> Offer:
    """Change an offer; refused when it would undo what people already claimed."""
    for key, value in _check(values, offer).items():
        setattr(offer, key, value)
    db.session.flush()
    return offer


def require_codes(offer: Offer) -> None:
    """A pool offer needs at least one code."""
    if offer.code_mode == "pool" and offer.codes_total == 0:
        raise ServiceError(_("The code pool is empty: paste or upload at least one code."))


# -- claiming ----------------------------------------------------------------------------


def _has_room():
    return and_(
        or_(Offer.total_limit.is_(None), Offer.claimed < Offer.total_limit),
        or_(Offer.code_mode != "pool", Offer.claimed < Offer.codes_total),
    )


def _take_pool_code(offer_id: int, user_id: int, now: datetime) -> OfferCode | None:
    """Mark the next free code of the pool as this person's; None when none is left.

    On PostgreSQL claimers first pass each other by (SKIP LOCKED), each taking a
    different code at once; when every free code seems taken by others, one more look
    waits for them, since a claim that fails gives its code back.
    """
    for skip_locked in (True, False):
        while True:
            candidate = db.session.scalar(
                select(OfferCode.id)
                .where(OfferCode.offer_id == offer_id, OfferCode.claimed_at.is_(None))
                .order_by(OfferCode.id).limit(1)
                .with_for_update(skip_locked=skip_locked))  # SQLite: not rendered
            if candidate is None:
                break
            taken = db.session.execute(
                update(OfferCode)
                .where(OfferCode.id == candidate, OfferCode.claimed_at.is_(None))
                .values(claimed_at=now, user_id=user_id)
                .execution_options(synchronize_session=False))
            if taken.rowcount == 1:
                return db.session.get(OfferCode, candidate, populate_existing=True)
    return None


def _generate_code(offer_id: int, user_id: int, now: datetime) -> OfferCode:
    """A new unique code for this offer, recorded as this person's."""
    for _attempt in range(GENERATE_ATTEMPTS):
        code = new_code()
        clash = db.session.scalar(select(OfferCode.id).where(
            OfferCode.offer_id == offer_id, OfferCode.code == code))
        if clash is None:
            row = OfferCode(offer_id=offer_id, code=code, user_id=user_id, claimed_at=now)
            db.session.add(row)
            db.session.flush()
            return row
    raise OfferUnavailable(_("No new code could be made for this offer: please try again."))


def claim(offer_id: int, user, now: datetime | None = None) -> Claim:
    """Give this person their code: the one they already have, or a new one if there is room.

    The person's redemption is written first and the offer's counter raised last, only
    while there is room: a claim that finds no room fails whole (the view rolls back).

    Raises ClaimRefused (403) for people who may not claim, NotFound, and
    OfferUnavailable (409) when the offer is not open or has no code left.
    """
    now = now or utcnow()
    refusal = claim_refusal(user)
    if refusal is not None:
        raise ClaimRefused(refusal)
    offer = get_offer(offer_id)
    existing = redemption_for(offer.id, user.id)
    if existing is not None:
        return Claim(existing, created=False)
    state = availability(offer, now)
    if state in ("upcoming", "expired"):
        raise OfferUnavailable(unavailable_message(offer, state))
    code_row = None
    if offer.code_mode == "pool":
        code_row = _take_pool_code(offer.id, user.id, now)
        if code_row is None:
            raise OfferUnavailable(unavailable_message(offer, "exhausted"))
    elif offer.code_mode == "generated":
        code_row = _generate_code(offer.id, user.id, now)
    redemption = Redemption(offer_id=offer.id, user_id=user.id, claimed_at=now,
                            code=code_row.code if code_row else offer.shared_code,
                            code_id=code_row.id if code_row else None)
    db.session.add(redemption)
    db.session.flush()
    # Last, so that the offer's row is locked only from here to the commit.
    reserved = db.session.execute(
        update(Offer).where(Offer.id == offer.id, _has_room())
        .values(claimed=Offer.claimed + 1)
        .execution_options(synchronize_session=False))
    if reserved.rowcount != 1:
        raise OfferUnavailable(unavailable_message(offer, "exhausted"))
    return Claim(redemption, created=True)


def code_for_friend(offer: Offer, now: datetime | None = None) -> str | None:
    """A code of this offer for a referred friend (who has no account): the shared code, a
    pool code or a new one; None when the offer has no code left.

    A friend's code counts against the offer's limit like a claim, with the same
    conditional UPDATE, so friends never get more codes than the offer has.
    """
    now = now or utcnow()
    if availability(offer, now) != "open":
        return None
    reserved = db.session.execute(
        update(Offer).where(Offer.id == offer.id, _has_room())
        .values(claimed=Offer.claimed + 1)
        .execution_options(synchronize_session=False))
    if reserved.rowcount != 1:
        return None
    if offer.code_mode == "shared":
        return offer.shared_code
    if offer.code_mode == "pool":
        row = _take_pool_code(offer.id, None, now)
        if row is None:  # taken meanwhile: give the place back, the friend gets no code
            db.session.execute(update(Offer).where(Offer.id == offer.id)
                               .values(claimed=Offer.claimed - 1)
                               .execution_options(synchronize_session=False))
            return None
        return row.code
    return _generate_code(offer.id, None, now).code
