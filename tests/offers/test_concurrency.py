"""Limits that hold under real concurrency: many people pressing "Claim" at the same moment.

Each claimer is a thread with its own test client (its own session cookie, app context
and database connection) posting to the real claim URL, released together by a barrier.
"""

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.offers.models import Offer, OfferCode, Redemption
from tests.conftest import PASSWORD, _Client
from tests.mail import IN_MEMORY_SQLITE


def _logged_in_clients(app, users):
    clients = []
    for user in users:
        client = _Client(app, app.response_class, use_cookies=True)
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        clients.append(client)
    return clients


def _claim_together(app, offer_id: int, clients) -> list[tuple[int, str]]:
    """Every client posts the claim at once; returns (status, page after redirect) of each."""
    start, results, errors = threading.Barrier(len(clients)), [], []

    def claim(client):
        try:
            start.wait()
            response = client.post(f"/offers/{offer_id}/claim", follow_redirects=True)
            results.append((response.status_code, response.get_data(as_text=True)))
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


def _thirty_promoters_ten_codes(app, make_offer, make_promoter):
    codes = [f"POOL-{n:02d}" for n in range(10)]
    offer = make_offer("pool", codes=codes)
    users = [make_promoter() for _ in range(30)]
    results = _claim_together(app, offer.id, _logged_in_clients(app, users))

    statuses = Counter(status for status, _page in results)
    assert statuses == {200: 10, 409: 20}
    exhausted = [page for status, page in results if status == 409]
    assert all("it is exhausted" in page for page in exhausted)
    with app.app_context():
        given = db.session.scalars(select(Redemption.code)).all()
        assert len(given) == 10 and sorted(given) == codes  # each code once, none twice
        taken = db.session.scalar(select(func.count()).select_from(OfferCode).where(
            OfferCode.claimed_at.is_not(None)))
        assert taken == 10
        assert db.session.get(Offer, offer.id).claimed == 10
    shown = [page for status, page in results if status == 200]
    assert sorted(code for code in codes for page in shown if f">{code}<" in page) == codes


def _limit_of_five(app, make_offer, make_promoter):
    offer = make_offer("generated", total_limit=5)
    users = [make_promoter() for _ in range(12)]
    results = _claim_together(app, offer.id, _logged_in_clients(app, users))

    assert Counter(status for status, _page in results) == {200: 5, 409: 7}
    with app.app_context():
        given = db.session.scalars(select(Redemption.code)).all()
        assert len(set(given)) == len(given) == 5
        assert db.session.get(Offer, offer.id).claimed == 5


def _double_click(app, make_offer, make_promoter):
    offer = make_offer("generated")
    user = make_promoter()
    [client] = _logged_in_clients(app, [user])
    results = _claim_together(app, offer.id, [client] * 6)  # one person, six clicks at once

    assert {status for status, _page in results} == {200}
    with app.app_context():
        [code] = db.session.scalars(select(Redemption.code)).all()
        assert db.session.scalar(select(func.count()).select_from(OfferCode)) == 1
        assert db.session.get(Offer, offer.id).claimed == 1
    assert all(f">{code}<" in page for _status, page in results)


SKIP_IN_MEMORY = pytest.mark.skipif(
    IN_MEMORY_SQLITE,
    reason="in-memory SQLite is one shared connection (StaticPool): the same claims run on "
    "a SQLite file below, and this test runs on PostgreSQL",
)


@SKIP_IN_MEMORY
def test_thirty_claims_for_ten_codes_hand_out_each_code_once(app, make_offer, make_promoter):
    _thirty_promoters_ten_codes(app, make_offer, make_promoter)


@SKIP_IN_MEMORY
def test_a_total_limit_of_five_gives_five_codes(app, make_offer, make_promoter):
    _limit_of_five(app, make_offer, make_promoter)


@SKIP_IN_MEMORY
def test_a_double_click_gives_one_code(app, make_offer, make_promoter):
    _double_click(app, make_offer, make_promoter)


@pytest.fixture
def file_app(tmp_path):
    """A second app on a SQLite file, so that threads really hold separate connections."""
    from flask_migrate import upgrade

    from ambassador import create_app
    from config import TestingConfig

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'offers.db'}"

    file_app = create_app(FileConfig)
    with file_app.app_context():
        upgrade()
    yield file_app
    with file_app.app_context():
        db.engine.dispose()


@pytest.fixture
def file_factories(file_app):
    """make_offer and make_promoter bound to the SQLite file app."""
    from ambassador.auth import services as accounts
    from ambassador.nps.services import record_response
    from ambassador.offers import codes as offer_codes
    from ambassador.offers import services
    from ambassador.utils import utcnow

    counter = iter(range(1, 10_000))

    def make_promoter():
        with file_app.app_context():
            response = record_response(
                {"email": f"fan{next(counter)}@example.com", "score": 10}, "import")
            user = accounts.create_user(response.customer.email, "promoter", "Fan",
                                        password=PASSWORD, customer_id=response.customer_id)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    def make_offer(mode, codes=None, **fields):
        with file_app.app_context():
            offer = services.create_offer(None, {"title": "Race", "code_mode": mode,
                                                 "starts_at": utcnow(), **fields})
            if codes:
                offer_codes.add_codes(offer, offer_codes.lines_of_text("\n".join(codes)))
            db.session.commit()
            offer_id = offer.id
        return type("OfferRef", (), {"id": offer_id})

    return make_offer, make_promoter


def test_thirty_claims_on_a_sqlite_file_hand_out_each_code_once(file_app, file_factories):
    """SQLite has no row locks: the conditional UPDATEs alone decide who gets a code."""
    _thirty_promoters_ten_codes(file_app, *file_factories)


def test_a_double_click_on_a_sqlite_file_gives_one_code(file_app, file_factories):
    _double_click(file_app, *file_factories)


def test_a_total_limit_on_a_sqlite_file_holds(file_app, file_factories):
    _limit_of_five(file_app, *file_factories)
