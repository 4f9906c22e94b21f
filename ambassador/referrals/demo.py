"""The demo's referrals: links, visits and friends at every stage, and ledgers to match."""

from datetime import timedelta

from ambassador.extensions import db
from ambassador.referrals import rewards, services
from ambassador.referrals.models import LinkVisit

# (friend name, email, days ago, address, what happens next)
FRIENDS = [
    ("Camille Roux", "camille.roux@example.net", 70, "198.51.100.10", "earned"),
    ("Mert Aydın", "mert.aydin@example.net", 64, "198.51.100.11", "redeemed"),
    ("Julie Perrin", "julie.perrin@example.net", 40, "198.51.100.12", "reversed"),
    ("Selin Koç", "selin.koc@example.net", 12, "198.51.100.13", "pending"),
    ("Hugo Lefèvre", "hugo.lefevre@example.net", 6, "198.51.100.14", "signed_up"),
    ("Deniz Şahin", "deniz.sahin@example.net", 3, "198.51.100.15", "signed_up"),
    ("Test Account", "win.prizes@mailinator.com", 2, "203.0.113.50", "review"),
]


def load_demo_referrals(now, marketer, promoters: list) -> int:
    """Links, visits, sign-ups, conversions and rewards in every state (flush, no commit)."""
    offers = services.shareable_offers(now)
    ambassadors = [p for p in promoters if services.link_refusal(p) is None]
    if not offers or not ambassadors:
        return 0
    for offer in offers:
        rewards.set_offer_reward(offer.id, "points", "100")
    links = [services.ensure_link(user) for user in ambassadors]
    for day in range(84):
        for index, link in enumerate(links):
            for visit in range((day * 7 + index * 3) % 5):
                db.session.add(LinkVisit(link_id=link.id, offer_id=offers[0].id,
                                         network_hash=services.network_hash(
                                             f"192.0.2.{(day + visit) % 250}"),
                                         visited_at=now - timedelta(days=day, hours=visit)))
    made = 0
    for number, (name, email, days, address, stage) in enumerate(FRIENDS):
        link = links[number % len(links)]
        moment = now - timedelta(days=days)
        referral = services.sign_up(link, {"name": name, "email": email, "consent": True,
                                           "offer_id": offers[0].id},
                                    address, "en", now=moment).referral
        referral.offer_id = offers[0].id  # the story starts before the demo offer's window
        db.session.flush()
        made += 1
        if stage in ("signed_up", "review"):
            continue
        entry = rewards.convert(referral.id, "marked", moment + timedelta(days=2)).reward
        if entry is None:
            continue
        if stage == "reversed":
            rewards.settle(entry.id, "reverse", marketer, "The order was refunded")
        elif stage in ("earned", "redeemed"):
            rewards.earn_due(now)
            db.session.refresh(entry)
            if stage == "redeemed":
                rewards.settle(entry.id, "redeem", marketer, "Sent a gift card")
    own = links[0].user
    services.sign_up(links[0], {"name": own.name, "email": own.email, "consent": True},
                     "198.51.100.99", "en", now=now - timedelta(days=1))
    rewards.adjust(own, marketer, "points", "50", "Spoke at our customer meetup", now=now)
    db.session.flush()
    return made + 1
