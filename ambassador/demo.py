"""`demo load`: a believable demo in an empty database, with the logins printed.

Everything is drawn from random.Random(seed), so two loads at the same moment give the
same data; the dates are laid over the last QUARTERS quarters up to now, and the
chances of a good answer grow with time so the dashboard shows an improving trend.
"""

import random
from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ambassador.auth import services as accounts
from ambassador.auth.models import User
from ambassador.checkins.demo import load_demo_checkins
from ambassador.demo_data import (
    COMMENTS,
    COMPANIES,
    DEMO_PROMOTERS,
    FIRST_NAMES,
    LAST_NAMES,
)
from ambassador.extensions import db
from ambassador.forum.demo import load_forum_demo
from ambassador.nps.models import Customer
from ambassador.nps.rules import previous_quarters, quarter_bounds, quarter_of
from ambassador.nps.services import record_responses
from ambassador.programs.demo import load_demo_programs
from ambassador.slugs import slug
from ambassador.testimonials.demo import load_demo_testimonials
from ambassador.urls import absolute_url
from ambassador.utils import utcnow
from ambassador.widgets.services import create_widget

demo_cli = AppGroup("demo", help="Demo data for trying Ambassador out.")

DEMO_PASSWORD = "ambassador-demo"  # nosec B105  # the demo's published logins, printed by `demo load`
DEMO_SEED = 2026
CUSTOMERS = 400
QUARTERS = 6
DEMO_USERS = [
    ("admin@example.com", "admin", "Ada Admin"),
    ("marketer@example.com", "marketer", "Margaux Lefèvre"),
]


def database_is_empty() -> bool:
    """True when nobody has an account and no customer has answered yet."""
    users = db.session.scalar(select(func.count()).select_from(User))
    customers = db.session.scalar(select(func.count()).select_from(Customer))
    return users == 0 and customers == 0


def ascii_slug(text: str) -> str:
    """Hélène Dupré → helene.dupre; Şükrü Yılmaz → sukru.yilmaz (for email addresses)."""
    return slug(text.replace("'", ""), separator=".")


def _email(first: str, last: str, domain: str, taken: set[str]) -> str:
    base = f"{ascii_slug(first)}.{ascii_slug(last)}"
    email, n = f"{base}@{domain}", 1
    while email in taken:
        n += 1
        email = f"{base}{n}@{domain}"
    taken.add(email)
    return email


def _people(rng: random.Random) -> list[dict]:
    """CUSTOMERS people across the companies; the demo promoters come first."""
    taken: set[str] = set()
    people = []
    for first, last, index, language in DEMO_PROMOTERS:
        company, domain, _, health = COMPANIES[index]
        people.append({"name": f"{first} {last}", "company": company, "language": language,
                       "email": _email(first, last, domain, taken), "health": health,
                       "mood": 0.0, "demo": True})
    sizes = [rng.uniform(0.6, 1.4) for _ in COMPANIES]
    while len(people) < CUSTOMERS:
        company, domain, home_language, health = rng.choices(COMPANIES, weights=sizes)[0]
        language = home_language if rng.random() < 0.85 else rng.choice(["fr", "tr", "en"])
        first = rng.choice(FIRST_NAMES[language])
        last = rng.choice(LAST_NAMES[language])
        people.append({"name": f"{first} {last}", "company": company, "language": language,
                       "email": _email(first, last, domain, taken), "health": health,
                       "mood": rng.gauss(0, 0.08), "demo": False})
    return people


def _score(rng: random.Random, progress: float, health: float, mood: float) -> int:
    """A score whose odds improve with time (progress 0 → 1) and with the company's health."""
    promoter = min(max(0.30 + 0.34 * progress + 0.12 * health + mood, 0.05), 0.9)
    detractor = min(max(0.36 - 0.26 * progress - 0.10 * health - mood, 0.03), 0.8)
    draw = rng.random()
    if draw < promoter:
        return rng.choices([9, 10], weights=[45, 55])[0]
    if draw < promoter + detractor:
        return rng.choices(range(7), weights=[2, 1, 2, 4, 6, 9, 12])[0]
    return rng.choice([7, 8])


def _comment(rng: random.Random, language: str, score: int) -> str | None:
    if rng.random() > 0.55:
        return None
    kind = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    pool = COMMENTS[language if rng.random() < 0.9 else "en"][kind]
    return rng.choice(pool)


def _responses(rng: random.Random, people: list[dict], now) -> list[dict]:
    """Between one and four answers per person, spread over the last QUARTERS quarters."""
    start = quarter_bounds(previous_quarters(quarter_of(now), QUARTERS)[0])[0]
    span = (now - start).total_seconds() - 3600
    rows = []
    for person in people:
        count = rng.choices([1, 2, 3, 4], weights=[35, 35, 20, 10])[0]
        offsets = sorted(rng.uniform(0, span) for _ in range(count))
        if person["demo"]:  # an account holder: a 10 within the last month, with a comment
            month = 30 * 86400
            offsets = sorted(rng.uniform(0, span - 2 * month) for _ in range(2))
            offsets.append(span - rng.uniform(0.1, 1) * month)
        for i, offset in enumerate(offsets):
            last_of_demo = person["demo"] and i == len(offsets) - 1
            score = 10 if last_of_demo else _score(
                rng, offset / span, person["health"], person["mood"])
            comment = _comment(rng, person["language"], score)
            if last_of_demo:
                comment = COMMENTS[person["language"]]["promoter"][0]
            rows.append({
                "email": person["email"], "name": person["name"],
                "company": person["company"], "language": person["language"],
                "score": score, "comment": comment,
                "responded_at": (start + timedelta(seconds=offset)).replace(second=0,
                                                                            microsecond=0),
                "touchpoint": rng.choices(["relational", "transactional"], weights=[3, 2])[0],
                "external_id": f"demo-{len(rows) + 1:05d}",
            })
    rows.sort(key=lambda row: row["responded_at"])
    return rows


def load_demo(seed: int = DEMO_SEED, now=None) -> list[tuple[str, str, str]]:
    """Create the demo data (flush, no commit); return (email, role, name) of every login."""
    rng = random.Random(seed)  # nosec B311  # reproducible demo data, no secret
    now = (now or utcnow()).replace(microsecond=0)
    people = _people(rng)
    record_responses(_responses(rng, people, now), "import")
    accounts_to_create = list(DEMO_USERS)
    for person in (p for p in people if p["demo"]):
        customer = db.session.scalar(select(Customer).where(Customer.email == person["email"]))
        accounts_to_create.append((customer.email, "promoter", customer.name, customer.id))
    shared_hash = None  # one slow password hash for every demo login (same password)
    users = []
    for email, role, name, *customer_id in accounts_to_create:
        user = accounts.create_user(email, role, name, customer_id=next(iter(customer_id), None),
                                    password=None if shared_hash else DEMO_PASSWORD)
        shared_hash = user.password_hash = shared_hash or user.password_hash
        users.append(user)
    _testimonials(rng, now, users)
    load_demo_programs(now, [u for u in users if u.role == "promoter"])
    _offers(now, users)
    _referrals(now, users)
    _widgets(users)
    load_forum_demo(_forum_people(users), now)
    _follow_ups(now, users)
    load_demo_checkins(rng, now)
    return [(email, role, name) for email, role, name, *_ in accounts_to_create]


def _offers(now, users: list[User]) -> None:
    """One offer of each kind of code, claimed by the demo promoters."""
    from ambassador.offers.demo import load_demo_offers

    marketer = next(u for u in users if u.role == "marketer")
    load_demo_offers(now, marketer, [u for u in users if u.role == "promoter"])


def _referrals(now, users: list[User]) -> None:
    """Referral links, visits and friends at every stage, from sign-up to redeemed reward."""
    from ambassador.referrals.demo import load_demo_referrals

    marketer = next(u for u in users if u.role == "marketer")
    load_demo_referrals(now, marketer, [u for u in users if u.role == "promoter"])


def _testimonials(rng: random.Random, now, users: list[User]) -> None:
    """Approved, pending and corrected testimonials, by the demo promoters and others."""
    marketer = next(u for u in users if u.role == "marketer")
    promoters = [u for u in users if u.role == "promoter"]
    load_demo_testimonials(
        rng, now, marketer,
        account_customers={(u.customer.language or "en")[:2]: u.customer_id for u in promoters},
        users={u.customer_id: u for u in promoters})


def _widgets(users: list[User]) -> None:
    """The `demo` widget (a wall of love) and a rating badge, as a marketer would set them."""
    marketer = next(u for u in users if u.role == "marketer")
    base = {"enabled": True, "selection": "all", "tags": [], "min_rating": 1, "languages": [],
            "picked": [], "theme": "light", "accent": "#4f46e5", "radius": 12,
            "font": "system", "show_photo": True, "show_rating": True, "show_date": True,
            "show_verified": True, "language": "en", "allowed_domains": [],
            "product_name": "", "product_type": ""}
    create_widget({**base, "name": "Home page wall of love", "layout": "grid", "shown": 9},
                  actor=marketer, key="demo")
    create_widget({**base, "name": "Rating badge (French site)", "layout": "badge", "shown": 50,
                   "language": "fr"}, actor=marketer, key="demo-badge")


def _follow_ups(now, users: list[User]) -> None:
    """Follow-up tasks in every status, a paused Slack webhook with its delivery log."""
    from ambassador.checkins.loop_demo import load_loop_demo

    load_loop_demo(now, next(u for u in users if u.role == "marketer"),
                   next(u for u in users if u.role == "admin"))


def _forum_people(users: list[User]) -> dict:
    """The forum's cast: the admin, the marketer and the promoters by their language."""
    people = {user.role: user for user in users if user.role != "promoter"}
    for user in users:
        if user.role == "promoter":
            people.setdefault(user.customer.language, user)
    return people


def demo_summary() -> str:
    """One line: how many customers, responses and companies the database holds."""
    from ambassador.nps.models import Response

    customers = db.session.scalar(select(func.count()).select_from(Customer))
    responses = db.session.scalar(select(func.count()).select_from(Response))
    companies = db.session.scalar(select(func.count(func.distinct(Customer.company))))
    active = db.session.scalar(
        select(func.count()).select_from(Customer).where(Customer.status == "active"))
    from ambassador.testimonials.models import Testimonial

    published = db.session.scalar(
        select(func.count()).select_from(Testimonial).where(Testimonial.status == "approved"))
    return (f"{customers} customers at {companies} companies, {responses} responses over "
            f"the last {QUARTERS} quarters, {active} active ambassadors, "
            f"{published} published testimonials")


@demo_cli.command("load")
@click.option("--seed", default=DEMO_SEED, show_default=True, help="Seed of the random data.")
def load_command(seed: int) -> None:
    """Fill an empty database with demo data and print the logins."""
    if not database_is_empty():
        click.echo("The database already has data: demo load changed nothing.")
        return
    logins = load_demo(seed)
    db.session.commit()
    click.echo(f"Demo data loaded: {demo_summary()}.")
    click.echo(f"Log in at {absolute_url('auth.login')} with:")
    for email, role, name in logins:
        click.echo(f"  {role:<9} {email}  password: {DEMO_PASSWORD}  ({name})")
    click.echo("Active ambassadors without an account are waiting for "
               "`flask --app ambassador invitations send` (or the dashboard button).")
