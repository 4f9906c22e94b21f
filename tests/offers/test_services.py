"""The rules of offers, without a browser: claiming, limits, codes, refusals."""

import tracemalloc
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.offers import codes, services
from ambassador.offers.models import OfferCode, Redemption
from ambassador.utils import ServiceError, utcnow


def redemptions() -> int:
    return db.session.scalar(select(func.count()).select_from(Redemption))


def claim(offer, user):
    result = services.claim(offer.id, user)
    db.session.commit()
    return result


# -- claiming ----------------------------------------------------------------------------


def test_a_shared_code_is_the_same_for_everybody(make_offer, make_promoter):
    offer = make_offer("shared", shared_code="MERCI-2026")
    first, second = make_promoter(), make_promoter()

    assert claim(offer, first).redemption.code == "MERCI-2026"
    assert claim(offer, second).redemption.code == "MERCI-2026"
    assert offer.claimed == 2 and offer.remaining is None


def test_claiming_twice_returns_the_same_code_and_counts_once(make_offer, make_promoter):
    offer = make_offer("pool", codes=["AAA-1", "AAA-2", "AAA-3"])
    user = make_promoter()

    first = claim(offer, user)
    again = claim(offer, user)

    assert first.created and not again.created
    assert again.redemption.code == first.redemption.code == "AAA-1"
    assert redemptions() == 1
    db.session.refresh(offer)
    assert (offer.claimed, offer.remaining) == (1, 2)


def test_a_pool_hands_each_code_out_once_then_is_exhausted(make_offer, make_promoter):
    offer = make_offer("pool", codes=["P-1", "P-2"])
    given = [claim(offer, make_promoter()).redemption.code for _ in range(2)]

    with pytest.raises(services.OfferUnavailable, match="exhausted"):
        services.claim(offer.id, make_promoter())
    db.session.rollback()

    assert sorted(given) == ["P-1", "P-2"]
    assert redemptions() == 2
    db.session.refresh(offer)
    assert services.availability(offer) == "exhausted"


def test_the_total_limit_caps_a_pool_and_generated_codes(make_offer, make_promoter):
    pool = make_offer("pool", codes=["L-1", "L-2", "L-3"], total_limit=1)
    generated = make_offer("generated", total_limit=2)
    claim(pool, make_promoter())
    for _ in range(2):
        claim(generated, make_promoter())

    for offer in (pool, generated):
        with pytest.raises(services.OfferUnavailable):
            services.claim(offer.id, make_promoter())
        db.session.rollback()
    assert redemptions() == 3


def test_generated_codes_are_unique_and_unambiguous(make_offer, make_promoter):
    offer = make_offer("generated")
    given = {claim(offer, make_promoter()).redemption.code for _ in range(12)}

    assert len(given) == 12
    for code in given:
        assert set(code.replace("-", "")) <= set(codes.ALPHABET)
        assert not set(code) & set("0O1IL")
    assert all(not set(codes.new_code()) & set("0O1I") for _ in range(2000))


@pytest.mark.parametrize("field,delta,state", [
    ("starts_at", timedelta(days=2), "not yet open"),
    ("ends_at", -timedelta(hours=1), "ended"),
])
def test_an_offer_outside_its_window_cannot_be_claimed(make_offer, make_promoter, field,
                                                       delta, state):
    values = {"starts_at": utcnow() - timedelta(days=3)}
    values[field] = utcnow() + delta
    offer = make_offer("shared", **values)
    expected = {"not yet open": "opens on", "ended": "ended on"}[state]

    with pytest.raises(services.OfferUnavailable, match=expected):
        services.claim(offer.id, make_promoter())
    assert redemptions() == 0


def test_lapsed_ambassadors_staff_and_unlinked_accounts_are_refused(
        make_offer, make_promoter, make_lapsed, make_user):
    offer = make_offer("generated")
    for user, reason in [(make_lapsed(), "paused"), (make_user("marketer"), "staff"),
                         (make_user("admin"), "staff"), (make_user("promoter"), "not linked")]:
        with pytest.raises(services.ClaimRefused, match=reason) as info:
            services.claim(offer.id, user)
        assert info.value.status_code == 403
        db.session.rollback()
    assert redemptions() == 0
    assert db.session.scalar(select(func.count()).select_from(OfferCode)) == 0
    db.session.refresh(offer)
    assert offer.claimed == 0


def test_the_home_lists_open_offers_not_yet_claimed(make_offer, make_promoter, make_lapsed):
    claimed = make_offer("shared", title="Claimed one")
    open_offer = make_offer("generated", title="Still open")
    make_offer("shared", title="Later", starts_at=utcnow() + timedelta(days=3))
    make_offer("pool", codes=["ONLY"], title="Gone")
    user = make_promoter()
    claim(claimed, user)
    claim(services.get_offer(claimed.id + 3), make_promoter())  # the pool's only code

    assert [o.title for o in services.unclaimed_for(user)] == [open_offer.title]
    assert services.unclaimed_for(make_lapsed()) == []


# -- offers by marketers -----------------------------------------------------------------


def _values(**overrides):
    values = {"title": "Early bird", "code_mode": "shared", "shared_code": "BIRD",
              "starts_at": utcnow(), "ends_at": utcnow() + timedelta(days=30)}
    values.update(overrides)
    return values


@pytest.mark.parametrize("overrides,message", [
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "200 characters"),
    ({"ends_at": utcnow() - timedelta(days=1)}, "ends before it starts"),
    ({"total_limit": 0}, "from 1 to"),
    ({"total_limit": -5}, "from 1 to"),
    ({"shared_code": ""}, "code everybody gets"),
    ({"shared_code": "TWO WORDS"}, "spaces"),
    ({"shared_code": "X" * 65}, "64 characters"),
    ({"code_mode": "lottery"}, "how the code is given"),
])
def test_bad_offers_are_refused_with_a_reason(make_user, overrides, message):
    with pytest.raises(ServiceError, match=message):
        services.create_offer(make_user("marketer"), _values(**overrides))


def test_a_pool_offer_needs_codes(make_user):
    offer = services.create_offer(make_user("marketer"), _values(code_mode="pool"))
    report = codes.add_codes(offer, codes.lines_of_text("\n \n\n"))
    assert (report.added, report.blank) == (0, 3)
    with pytest.raises(ServiceError, match="pool is empty"):
        services.require_codes(offer)


def test_editing_cannot_undo_what_people_claimed(make_offer, make_promoter):
    offer = make_offer("generated", total_limit=10)
    for _ in range(3):
        claim(offer, make_promoter())
    db.session.refresh(offer)

    with pytest.raises(ServiceError, match="3 people have already claimed") as info:
        services.update_offer(offer, _values(code_mode="generated", total_limit=2))
    assert "cannot be lower than 3 (you asked for 2)" in str(info.value)
    with pytest.raises(ServiceError, match="kind of code can no longer change"):
        services.update_offer(offer, _values(code_mode="shared"))
    services.update_offer(offer, _values(code_mode="generated", total_limit=3))
    assert offer.total_limit == 3


def test_the_pool_warns_below_ten_percent(make_offer, make_promoter):
    offer = make_offer("pool", codes=[f"W-{n}" for n in range(20)])
    for n in range(18):
        claim(offer, make_promoter())
        db.session.refresh(offer)
        assert services.pool_is_low(offer) is False, n
    claim(offer, make_promoter())  # 1 of 20 left: 5 %
    db.session.refresh(offer)
    assert services.pool_is_low(offer) is True
    codes.add_codes(offer, codes.lines_of_text("\n".join(f"X-{n}" for n in range(10))))
    assert (offer.codes_total, offer.remaining, services.pool_is_low(offer)) == (30, 11, False)


# -- lists of codes ----------------------------------------------------------------------


def test_duplicates_blank_lines_and_bad_codes_are_reported_and_skipped(make_offer):
    offer = make_offer("pool", codes=["KEEP-1"])
    text = "\ufeffNEW-1\n\n  NEW-2  \r\nNEW-1\nKEEP-1\n   \nhas space\n" + "Z" * 70 + "\nNEW-3"

    report = codes.add_codes(offer, codes.lines_of_file(BytesIO(text.encode())))

    assert (report.added, report.duplicates, report.blank, report.rejected) == (3, 2, 2, 2)
    assert sorted(report.duplicate_lines) == [(4, "NEW-1"), (5, "KEEP-1")]
    assert [line for line, _ in report.rejected_lines] == [7, 8]
    stored = db.session.scalars(select(OfferCode.code).where(OfferCode.offer_id == offer.id))
    assert sorted(stored) == ["KEEP-1", "NEW-1", "NEW-2", "NEW-3"]
    assert offer.codes_total == 4


def test_a_file_that_is_not_utf8_or_has_one_huge_line_is_reported(make_offer):
    offer = make_offer("pool", codes=["A"])
    data = b"GOOD-1\n\xff\xfeBAD\n" + b"Q" * 50_000 + b"\nGOOD-2\n"

    report = codes.add_codes(offer, codes.lines_of_file(BytesIO(data)))

    assert (report.added, report.rejected) == (2, 2)
    assert [line for line, _ in report.rejected_lines] == [2, 3]


def test_a_hundred_thousand_codes_are_added_in_bounded_memory(make_offer):
    offer = make_offer("pool", codes=["FIRST"])
    data = b"".join(b"CODE-%06d\n" % n for n in range(100_000)) + b"CODE-000007\n"
    stream = BytesIO(data)

    tracemalloc.start()
    report = codes.add_codes(offer, codes.lines_of_file(stream))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert (report.added, report.duplicates) == (100_000, 1)
    assert offer.codes_total == 100_001
    # Holding the list (or a set of its codes) would take well over 10 MB.
    assert peak < 6 * 2**20, f"peak {peak / 2**20:.1f} MB"
