"""The rules of referrals: links, landing-page visits, friends signing up, the review queue.

A friend is referred once: the unique email of `referrals` makes the first ambassador's
sign-up the one that counts, even when two arrive at the same moment. What looks like
fraud is not refused but held for a marketer with its reasons in words; what can never
earn a reward (the ambassador's own address, an existing customer) is recorded as
ineligible. Conversions and rewards are in `rewards.py`.
"""

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ambassador.extensions import db
from ambassador.offers.models import Offer
from ambassador.referrals.models import LinkVisit, Referral, ReferralLink
from ambassador.text import text_problem
from ambassador.utils import NotFound, ServiceError, normalise_email, utcnow

LINK_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
LINK_LENGTH = 10  # 31**10 ≈ 8 · 10**14: short to type, impossible to guess
MAX_NAME = 200
# Throw-away mailbox services: a sign-up from one goes to the review queue.
DISPOSABLE_DOMAINS = frozenset({
    "mailinator.com", "guerrillamail.com", "guerrillamail.net", "sharklasers.com",
    "10minutemail.com", "10minutemail.net", "yopmail.com", "yopmail.fr", "trashmail.com",
    "tempmail.com", "temp-mail.org", "getnada.com", "dispostable.com", "maildrop.cc",
    "throwawaymail.com", "fakeinbox.com", "mintemail.com", "mailnesia.com", "moakt.com",
    "emailondeck.com", "burnermail.io", "spamgourmet.com", "mohmal.com", "tempail.com",
})


class DuplicateFriend(ServiceError):
    """This friend already signed up through a link: the first referral is the one that counts."""

    status_code = 409


class LinkClosed(ServiceError):
    """The link's ambassador account is disabled or gone."""

    status_code = 404


@dataclass
class SignUp:
    """What a friend's sign-up gave: the referral and whether it can earn a reward."""

    referral: Referral
    code: str | None


# -- links -------------------------------------------------------------------------------


def link_for(user) -> ReferralLink | None:
    """The person's referral link, if they made one."""
    return db.session.scalar(select(ReferralLink).where(ReferralLink.user_id == user.id))


def link_refusal(user) -> str | None:
    """Why this person cannot have a referral link now, or None."""
    if user.role != "promoter":
        return _("Referral links are for ambassadors: a staff account has none.")
    status = user.customer.status if user.customer is not None else "none"
    if status != "active":
        return _("Your referral link opens as soon as your latest answer is a 9 or 10. "
                 "A link you already have keeps working for your friends, but earns no "
                 "reward meanwhile.")
    return None


def ensure_link(user) -> ReferralLink:
    """The person's link, made now if they have none (a short random code, never reused)."""
    existing = link_for(user)
    if existing is not None:
        return existing
    refusal = link_refusal(user)
    if refusal is not None:
        raise ServiceError(refusal)
    for _attempt in range(10):
        code = "".join(secrets.choice(LINK_ALPHABET) for _ in range(LINK_LENGTH))
        if db.session.scalar(select(ReferralLink.id).where(ReferralLink.code == code)) is None:
            link = ReferralLink(user_id=user.id, code=code)
            db.session.add(link)
            db.session.flush()
            return link
    raise ServiceError(_("No link could be made just now: please try again."))


def find_link(code: str) -> ReferralLink:
    """The link with this code; NotFound for an unknown one, LinkClosed for a disabled account."""
    code = (code or "").strip().lower()
    link = None
    if 0 < len(code) <= 16:
        link = db.session.scalar(select(ReferralLink).where(ReferralLink.code == code))
    if link is None:
        raise NotFound(_("This invitation link does not exist. Check it with the friend who "
                         "sent it to you."))
    if link.user.disabled:
        raise LinkClosed(_("This invitation link no longer works."))
    return link


def earns_rewards(user) -> bool:
    """Whether a conversion through this person's link earns them a reward right now."""
    status = user.customer.status if user.customer is not None else "none"
    return not user.disabled and user.role == "promoter" and status == "active"


def first_name(user) -> str:
    """What the friend reads: the ambassador's first name only."""
    name = (user.name or "").strip()
    return name.split()[0] if name else _("A friend")


# -- offers a link carries ---------------------------------------------------------------


def _open_shareable(now: datetime):
    return (select(Offer).where(
        Offer.shareable.is_(True), Offer.starts_at <= now,
        (Offer.ends_at.is_(None)) | (Offer.ends_at > now))
        .order_by(Offer.starts_at.desc(), Offer.id.desc()))


def shareable_offers(now: datetime | None = None) -> list[Offer]:
    """The open offers ambassadors may share with friends, newest first."""
    return list(db.session.scalars(_open_shareable(now or utcnow())))


def all_shareable() -> list[Offer]:
    """Every offer marked shareable, open or not (where marketers set rewards)."""
    return list(db.session.scalars(select(Offer).where(Offer.shareable.is_(True))
                                   .order_by(Offer.starts_at.desc(), Offer.id.desc())))


def landing_offer(offer_id: int | None, now: datetime | None = None) -> Offer | None:
    """The offer a landing page shows: the one asked for if it is open and shareable, else
    the newest such offer, else none."""
    now = now or utcnow()
    if offer_id is not None:
        chosen = db.session.scalar(_open_shareable(now).where(Offer.id == offer_id))
        if chosen is not None:
            return chosen
    return db.session.scalars(_open_shareable(now).limit(1)).first()


# -- visits ------------------------------------------------------------------------------


def network_hash(address: str | None) -> str:
    """A salted hash of the visitor's network (/24 or /48): comparable, never the address."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
        prefix = 24 if ip.version == 4 else 48
        network = str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    except ValueError:
        network = "unknown"
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"referral-network|{network}".encode(), hashlib.sha256).hexdigest()


def record_visit(link: ReferralLink, offer_id: int | None, address: str | None,
                 now: datetime | None = None) -> LinkVisit:
    """Count one opening of the landing page (sent by the page's script, never by a GET)."""
    offer = landing_offer(offer_id, now)
    visit = LinkVisit(link_id=link.id, offer_id=offer.id if offer else None,
                      network_hash=network_hash(address), visited_at=now or utcnow())
    db.session.add(visit)
    db.session.flush()
    return visit


# -- friends signing up ------------------------------------------------------------------


def clean_name(value: str | None) -> str:
    """A friend's name: one line of printable text, 1 to 200 characters."""
    name = " ".join((value or "").split()) if not text_problem(value) else None
    if name is None:
        raise ServiceError(_("Write your name on one line, without special characters."))
    if not name:
        raise ServiceError(_("Tell us your name."))
    if len(name) > MAX_NAME:
        raise ServiceError(_("A name has at most 200 characters."))
    return name


def is_customer(email: str) -> bool:
    """Whether this address belongs to a customer or an account already."""
    from ambassador.auth.models import User
    from ambassador.nps.models import Customer

    return (db.session.scalar(select(Customer.id).where(Customer.email == email)) is not None
            or db.session.scalar(select(User.id).where(User.email == email)) is not None)


def friend_problems(link: ReferralLink, email: str, network: str,
                    now: datetime) -> tuple[str, list[str]]:
    """(status, reason codes) for a new sign-up: ineligible, held for review, or fine.

    Reasons are stored as codes ("self", "customer", "disposable:DOMAIN", "network:N")
    and put in words by `reason_texts` in the reader's language (the friend's language
    is not the marketer's).
    """
    ambassador = link.user
    own = {ambassador.email.lower()}
    if ambassador.customer is not None:
        own.add(ambassador.customer.email.lower())
    if email in own:
        return "ineligible", ["self"]
    if is_customer(email):
        return "ineligible", ["customer"]
    reasons = []
    domain = email.rpartition("@")[2]
    if domain in DISPOSABLE_DOMAINS:
        reasons.append(f"disposable:{domain}")
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    others = db.session.scalar(select(func.count()).select_from(Referral).where(
        Referral.network_hash == network, Referral.created_at >= day_start))
    if others >= current_app.config["REFERRAL_NETWORK_LIMIT"]:
        reasons.append(f"network:{others}")
    return ("review" if reasons else "signed_up"), reasons


def reason_texts(referral: Referral) -> list[str]:
    """Why a referral was held or refused, in words, in the reader's language."""
    texts = []
    for code in filter(None, (referral.reasons or "").split("\n")):
        kind, _sep, value = code.partition(":")
        if kind == "self":
            texts.append(_("the friend's email is the ambassador's"))
        elif kind == "customer":
            texts.append(_("the friend is already a customer"))
        elif kind == "disposable":
            texts.append(_("disposable email domain (%(domain)s)", domain=value))
        elif kind == "network" and value.isdigit():
            texts.append(ngettext("same network as %(num)s other sign-up today",
                                  "same network as %(num)s other sign-ups today", int(value)))
        else:
            texts.append(code)
    return texts


def referral_for_email(email: str) -> Referral | None:
    """The referral of this friend, whoever referred them."""
    return db.session.scalar(select(Referral).where(Referral.friend_email == email))


def sign_up(link: ReferralLink, values: dict, address: str | None, language: str | None,
            now: datetime | None = None) -> SignUp:
    """Record a friend's sign-up through a link; give their offer code when they may have one.

    Raises ServiceError for bad input and DuplicateFriend when this email already signed
    up (through this link or another: the first one counts).
    """
    from ambassador.offers.services import code_for_friend

    now = now or utcnow()
    name = clean_name(values.get("name"))
    email = normalise_email(values.get("email"))
    if not values.get("consent"):
        raise ServiceError(_("Tick the box to agree that we contact you about this offer."))
    if referral_for_email(email) is not None:
        raise DuplicateFriend(_("This email address has already signed up through an "
                                "ambassador's invitation. Only the first invitation counts, "
                                "so this one changes nothing: your offer is on its way."))
    offer = landing_offer(values.get("offer_id"), now)
    network = network_hash(address)
    status, reasons = friend_problems(link, email, network, now)
    referral = Referral(link_id=link.id, offer_id=offer.id if offer else None,
                        friend_email=email, friend_name=name, language=language,
                        consent=True, status=status, reasons="\n".join(reasons),
                        network_hash=network, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(referral)
            db.session.flush()
    except IntegrityError:  # the same friend, a moment earlier, in another request
        raise DuplicateFriend(_("This email address has already signed up through an "
                                "ambassador's invitation. Only the first invitation counts, "
                                "so this one changes nothing: your offer is on its way.")
                              ) from None
    if offer is not None and status != "ineligible":
        referral.code = code_for_friend(offer, now)
    db.session.flush()
    return SignUp(referral, referral.code)


# -- the review queue --------------------------------------------------------------------


def get_referral(referral_id: int) -> Referral:
    """The referral with this id, or NotFound."""
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(_("This referral does not exist."))
    return referral


REVIEW_PER_PAGE = 50


def review_queue(page: int = 1, per_page: int | None = None):
    """One page of the referrals held for a marketer, oldest first.

    A page past the end (its last rows were just decided) shows the last page instead.
    """
    per_page = per_page or REVIEW_PER_PAGE
    stmt = (select(Referral).where(Referral.status == "review")
            .order_by(Referral.created_at, Referral.id))
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    if page > 1 and not pagination.items and pagination.pages:
        pagination = db.paginate(stmt, page=pagination.pages, per_page=per_page)
    return pagination


def decide(referral: Referral, actor, approve: bool, now: datetime | None = None) -> Referral:
    """Approve a held referral (its reward may be earned) or reject it (its reward reversed)."""
    from ambassador.referrals.rewards import reverse_referral_reward

    if referral.status != "review":
        raise ServiceError(_("This referral is not waiting for a review any more."))
    referral.status = "approved" if approve else "rejected"
    referral.reviewed_at = now or utcnow()
    referral.reviewed_by_id = actor.id
    if not approve:
        reverse_referral_reward(referral, "")
    db.session.flush()
    return referral


def recent_referrals(limit: int = 50, offset: int = 0) -> list[Referral]:
    """The latest sign-ups, newest first (the marketers' list)."""
    return list(db.session.scalars(select(Referral).order_by(
        Referral.created_at.desc(), Referral.id.desc()).limit(limit).offset(offset)))

