"""The demo's offers: one of each kind of code, with a few claims by the demo ambassadors."""

import random
from datetime import timedelta

from ambassador.offers import codes, services

OFFERS = [
    {"title": "15 % off your next renewal", "code_mode": "shared", "shared_code": "MERCI15",
     "shareable": True, "days": (-20, 40), "claimed_by": (0, 2),
     "description": "Thank you for recommending us. Use this code when you renew, and "
                    "**pass it on** to a friend or a colleague: it works for them too.",
     "terms": "Valid on annual plans, once per account, until the end date."},
    {"title": "A free onboarding session for a colleague", "code_mode": "pool",
     "days": (-35, 25), "claimed_by": (0, 1, 2), "pool": 30,
     "description": "Know a team that would love what we do? Give them a one-hour "
                    "onboarding session with one of our specialists.\n\n"
                    "- a personal code, valid for one session\n- booked online in two clicks",
     "terms": "One code per ambassador. Sessions in English, French or Turkish."},
    {"title": "Early access to the new mobile app", "code_mode": "generated",
     "total_limit": 50, "days": (-5, 60), "claimed_by": (1,),
     "description": "Try the new app *before anybody else* and tell us what you think: "
                    "your code unlocks the beta in the store.",
     "terms": "50 places. The beta may still have rough edges."},
]


def load_demo_offers(now, author, promoters: list) -> int:
    """Create the demo offers (flush, no commit) with claims; return how many were made."""
    for spec in OFFERS:
        start, end = spec["days"]
        values = {key: spec.get(key) for key in
                  ("title", "description", "terms", "code_mode", "shared_code", "shareable",
                   "total_limit")}
        values["starts_at"] = now + timedelta(days=start)
        values["ends_at"] = now + timedelta(days=end)
        offer = services.create_offer(author, values)
        if spec.get("pool"):
            rng = random.Random(spec["title"])  # nosec B311  # demo codes, reproducible
            pool = "\n".join("ONBOARD-" + "".join(rng.choices(codes.ALPHABET, k=6))
                             for _ in range(spec["pool"]))
            codes.add_codes(offer, codes.lines_of_text(pool))
        for index in spec["claimed_by"]:
            if index < len(promoters):
                services.claim(offer.id, promoters[index],
                               now=now - timedelta(days=abs(start) // (index + 2)))
    return len(OFFERS)
