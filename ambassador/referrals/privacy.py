"""What referrals hold about a person, for their data download and for erasure.

As an ambassador: their link, the friends it brought (first names and stages only: the
friends' addresses are the friends' data) and their rewards ledger. As a friend: their own
sign-up. Erasing an ambassador's account removes their link, referrals and ledger with it
(foreign keys); erasing a friend keeps the sign-up's stage, so the referral figures stay
right, without their name or address.
"""

from sqlalchemy import select, update

from ambassador.extensions import db
from ambassador.privacy import Subject, register_data_section, register_erasure
from ambassador.referrals.models import FriendInvite, Referral, ReferralLink, RewardEntry


def referrals_section(subject: Subject):
    """The person's referral link, the friends it brought, their rewards and their own sign-up."""
    data: dict = {"link": None, "friends": [], "rewards": [], "signed_up_as_friend": []}
    if subject.user_id is not None:
        link = db.session.scalar(
            select(ReferralLink).where(ReferralLink.user_id == subject.user_id))
        if link is not None:
            data["link"] = {"code": link.code, "created_at": link.created_at}
            friends = db.session.scalars(select(Referral).where(Referral.link_id == link.id)
                                         .order_by(Referral.created_at))
            data["friends"] = [{"first_name": (r.friend_name.split() or [""])[0],
                                "status": r.status, "signed_up_at": r.created_at,
                                "converted_at": r.converted_at} for r in friends]
        rewards = db.session.scalars(
            select(RewardEntry).where(RewardEntry.user_id == subject.user_id)
            .order_by(RewardEntry.created_at))
        data["rewards"] = [{"kind": e.kind, "amount": e.amount, "state": e.state,
                            "reason": e.reason, "created_at": e.created_at,
                            "settled_at": e.settled_at} for e in rewards]
    if subject.emails:
        own = db.session.scalars(select(Referral).where(Referral.friend_email.in_(subject.emails)))
        data["signed_up_as_friend"] = [{"name": r.friend_name, "email": r.friend_email,
                                        "consent": r.consent, "status": r.status,
                                        "signed_up_at": r.created_at} for r in own]
    return data


def erase_friend(subject: Subject) -> dict:
    """Remove the person's name and address from sign-ups and invitations they received."""
    if not subject.emails:
        return {}
    own = db.session.scalars(select(Referral.id).where(
        Referral.friend_email.in_(subject.emails))).all()
    for referral_id in own:
        db.session.execute(update(Referral).where(Referral.id == referral_id).values(
            friend_email=f"erased-{referral_id}@erased.invalid", friend_name="",
            language=None, consent=False, code=None))
    invites = db.session.execute(db.delete(FriendInvite).where(
        FriendInvite.friend_email.in_(subject.emails))).rowcount
    db.session.flush()
    return {"referral_signups": len(own), "referral_invites": invites}


register_data_section("referrals", referrals_section)
register_erasure(erase_friend, order=50, name="referrals.friend")
