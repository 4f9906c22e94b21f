"""A promoter with something in every feature, and the figures that must not move."""

import re
from datetime import timedelta

import pytest

from ambassador.extensions import db
from ambassador.utils import utcnow
from tests.conftest import utc
from tests.programs.conftest import make_program  # noqa: F401
from tests.testimonials.conftest import make_testimonial, submission  # noqa: F401


@pytest.fixture
def helene(make_promoter, make_response, make_user, make_program, submission):  # noqa: F811
    """An active ambassador with answers, a seat, a code, an approved testimonial, posts, mail."""
    from ambassador.forum import moderation
    from ambassador.forum import services as forum
    from ambassador.offers import codes
    from ambassador.offers import services as offers
    from ambassador.programs import enrollment
    from ambassador.testimonials import services as testimonials
    from ambassador.widgets import services as widgets
    from tests.widgets.conftest import SETTINGS

    make_response(score=6, email="helene@lumiere.example", comment="Slow support, Hélène",
                  responded_at=utc(2026, 4, 2), company="Lumière", name="Hélène Dupré")
    user = make_promoter(score=10, email="helene@lumiere.example",
                         comment="Lovely people — Hélène", responded_at=utc(2026, 10, 5),
                         contact_ref="CRM-77", external_id="typeform-1")
    marketer = make_user("marketer", email="mo@example.com")
    program = make_program(seats=1)
    enrollment.join(program.id, user)
    offer = offers.create_offer(marketer, {"title": "Gift", "code_mode": "pool",
                                           "starts_at": utcnow() - timedelta(days=1)})
    codes.add_codes(offer, codes.lines_of_text("CODE-1\nCODE-2"))
    offers.claim(offer.id, user)
    testimonial = testimonials.submit(user.customer, submission(author_name="Hélène Dupré"),
                                      user=user)
    testimonial.status = "approved"
    testimonial.decided_at = testimonial.submitted_at
    general = moderation.save_category(marketer, None, "General")
    thread = forum.create_thread(user, general, "Hello from Lyon", "Bonjour à tous, Hélène")
    widgets.create_widget(SETTINGS, key="site")
    db.session.commit()
    user.program_id, user.offer_id, user.thread_id = program.id, offer.id, thread.id
    user.testimonial_id = testimonial.id
    return user


@pytest.fixture
def others(make_response):
    """Other people's answers across quarters and companies, so the figures are not trivial."""
    for n, (score, month, company) in enumerate([(10, 4, "Lumière"), (3, 5, "Acme"),
                                                 (8, 10, "Acme"), (9, 11, "Lumière"),
                                                 (0, 11, None), (10, 7, "Acme")]):
        make_response(score=score, email=f"other{n}@example.com", company=company,
                      responded_at=utc(2026, month, 3), comment=f"comment {n}")


FOLLOW_UP_CELL = re.compile(
    r'<td class="num">(<a href="/dashboard/follow-ups[^"]*">\d+</a>'
    r'|<span class="muted">0</span>)</td>')


@pytest.fixture
def figures(runner, client, make_user):
    """figures() -> every NPS figure a marketer or a script can read, to compare."""
    from ambassador.nps import scores

    staff = make_user("marketer", email="figures@example.com")

    def read():
        out = []
        for args in (["--all"], ["--quarter", "2026-Q2"], ["--quarter", "2026-Q4"],
                     ["--quarter", "2026-Q3"]):
            result = runner.invoke(args=["nps", "score", *args])
            assert result.exit_code == 0, result.output
            out.append(result.output)
        out.append(repr(scores.account_scores("2026-Q4")))
        out.append(repr(scores.account_scores(None)))
        client.post("/login", data={"email": staff.email, "password": "correct-horse-battery"})
        for query in ("quarter=2026-Q4", "quarter=2026-Q2", "quarter=2026-Q4&company=Lumière"):
            page = client.get(f"/dashboard?{query}").get_data(as_text=True)
            start, end = page.index('class="grid-3 kpis"'), page.index('"comments-head"')
            out.append(_without_nonces(page[start:end]))
        page = client.get("/dashboard/accounts?quarter=2026-Q4").get_data(as_text=True)
        # The open follow-ups column is not an NPS figure: erasure deletes the person's tasks.
        page = FOLLOW_UP_CELL.sub("", page[page.index("<main"):page.index("</main>")])
        out.append(_without_nonces(page))
        client.post("/logout")
        return out

    return read


def _without_nonces(html: str) -> str:
    return re.sub(r'(nonce|value)="[^"]*"', "", html)
