"""The referral rules, without a browser: links, sign-ups, fraud signals, conversion, ledger."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.referrals import rewards, services
from ambassador.referrals.models import OfferReward, Referral, RewardEntry
from ambassador.utils import ServiceError, utcnow


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# -- links -------------------------------------------------------------------------------


def test_a_link_is_short_unguessable_and_stable(make_promoter):
    user = make_promoter()
    link = services.ensure_link(user)
    again = services.ensure_link(user)
    assert link.id == again.id and link.code == again.code
    assert len(link.code) == 10 and set(link.code) <= set(services.LINK_ALPHABET)
    other = services.ensure_link(make_promoter())
    assert other.code != link.code


def test_only_active_ambassadors_get_a_new_link(make_promoter, make_user):
    with pytest.raises(ServiceError, match="9 or 10"):
        services.ensure_link(make_promoter(score=7))
    with pytest.raises(ServiceError, match="staff account"):
        services.ensure_link(make_user("marketer"))


def test_an_unknown_or_disabled_link_is_refused_with_a_friendly_message(make_link):
    link = make_link()
    assert services.find_link(link.code.upper()).id == link.id
    with pytest.raises(services.NotFound, match="does not exist"):
        services.find_link("nope")
    link.user.disabled = True
    db.session.commit()
    with pytest.raises(services.LinkClosed, match="no longer works"):
        services.find_link(link.code)


def test_the_network_hash_never_stores_the_address_and_groups_a_network(app):
    first = services.network_hash("203.0.113.7")
    assert "203.0.113" not in first and len(first) == 64
    assert first == services.network_hash("203.0.113.200")
    assert first != services.network_hash("198.51.100.7")
    assert services.network_hash("2001:db8:1:2::1") == services.network_hash("2001:db8:1:ff::9")
    assert services.network_hash("garbage") == services.network_hash(None)


# -- signing up --------------------------------------------------------------------------


def test_a_friend_signs_up_and_gets_the_offer_code(make_link, make_shareable):
    offer = make_shareable("generated")
    result = services.sign_up(make_link(), {"name": "  Luc   Martin ", "email": "Luc@Example.org",
                                            "consent": True, "offer_id": offer.id},
                              "203.0.113.7", "fr")
    referral = result.referral
    assert (referral.friend_name, referral.friend_email, referral.status, referral.language) \
        == ("Luc Martin", "luc@example.org", "signed_up", "fr")
    assert result.code and referral.code == result.code and referral.offer_id == offer.id
    db.session.refresh(offer)
    assert offer.claimed == 1


def test_the_first_ambassador_wins_and_a_second_sign_up_changes_nothing(make_link,
                                                                         make_referral):
    first = make_referral(email="luc@example.org")
    other = make_link(name="Zeynep")
    with pytest.raises(services.DuplicateFriend, match="Only the first invitation counts"):
        services.sign_up(other, {"name": "Luc", "email": "LUC@example.org", "consent": True},
                         "198.51.100.1", "en")
    db.session.rollback()
    assert count(Referral) == 1 and db.session.get(Referral, first.id).link_id == first.link_id


@pytest.mark.parametrize("name", ["Luc\nBcc: victim@example.com", "Luc\r\nX: y", "Luc\x00"])
def test_header_injection_in_names_is_refused(make_link, name):
    with pytest.raises(ServiceError, match="one line"):
        services.sign_up(make_link(), {"name": name, "email": "a@example.org", "consent": True},
                         "203.0.113.7", "en")


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "x@example.org\nBcc: y@z.com",
                                   "a" * 300 + "@example.org"])
def test_malformed_emails_are_refused(make_link, email):
    with pytest.raises(ServiceError):
        services.sign_up(make_link(), {"name": "Luc", "email": email, "consent": True},
                         "203.0.113.7", "en")


def test_consent_is_required(make_link):
    with pytest.raises(ServiceError, match="agree"):
        services.sign_up(make_link(), {"name": "Luc", "email": "a@example.org"},
                         "203.0.113.7", "en")


def test_self_referral_and_existing_customers_are_not_eligible(make_link, make_response):
    link = make_link()
    own = services.sign_up(link, {"name": "Me", "email": link.user.email, "consent": True},
                           "203.0.113.7", "en").referral
    assert own.status == "ineligible"
    assert services.reason_texts(own) == ["the friend's email is the ambassador's"]
    assert own.code is None
    make_response(score=8, email="known@example.com")
    known = services.sign_up(link, {"name": "K", "email": "known@example.com", "consent": True},
                             "203.0.113.7", "en").referral
    assert known.status == "ineligible"
    assert services.reason_texts(known) == ["the friend is already a customer"]


def test_disposable_domains_and_floods_go_to_the_review_queue(app, make_link, make_referral,
                                                            monkeypatch):
    link = make_link()
    held = make_referral(link, email="x@mailinator.com")
    assert held.status == "review"
    assert services.reason_texts(held) == ["disposable email domain (mailinator.com)"]
    monkeypatch.setitem(app.config, "REFERRAL_NETWORK_LIMIT", 3)
    for i in range(2):
        assert make_referral(link, email=f"n{i}@example.org", address="198.51.100.9").status \
            == "signed_up"
    make_referral(link, email="n2@example.org", address="198.51.100.77")
    flooded = make_referral(link, email="n3@example.org", address="198.51.100.8")
    assert flooded.status == "review"
    assert services.reason_texts(flooded) == ["same network as 3 other sign-ups today"]
    assert [r.id for r in services.review_queue().items] == [held.id, flooded.id]


# -- converting and rewards --------------------------------------------------------------


def test_a_conversion_gives_the_offer_reward_once_pending_for_the_clawback(app, make_link,
                                                                          make_referral,
                                                                          make_shareable):
    offer = make_shareable(reward=("credit", "12.50"))
    link = make_link()
    referral = make_referral(link, offer=offer)
    now = utcnow()
    result = rewards.convert(referral.id, "marked", now)
    assert result.created and result.reward.state == "pending"
    assert (result.reward.kind, result.reward.amount) == ("credit", 1250)
    assert result.reward.earn_after == now + timedelta(days=30)
    again = rewards.convert(referral.id, "api", now)
    assert not again.created and again.reward.id == result.reward.id
    assert count(RewardEntry) == 1
    assert rewards.balances(link.user_id)["credit"]["pending"] == 1250


def test_rewards_are_earned_after_the_window_and_only_when_confirmed(make_link, make_referral,
                                                                   make_shareable):
    offer = make_shareable()
    link = make_link()
    fine = make_referral(link, offer=offer)
    held = make_referral(link, offer=offer, email="h@yopmail.com")
    start = utcnow()
    rewards.convert(fine.id, "marked", start)
    rewards.convert(held.id, "marked", start)
    assert rewards.earn_due(start + timedelta(days=29)) == 0
    assert rewards.earn_due(start + timedelta(days=31)) == 1  # the held one waits
    services.decide(held, link.user, approve=True)
    assert rewards.earn_due(start + timedelta(days=31)) == 1
    assert rewards.balances(link.user_id)["points"]["earned"] == 200


def test_rejecting_a_held_converted_referral_reverses_its_reward(make_link, make_referral,
                                                                make_shareable, make_user):
    offer = make_shareable()
    held = make_referral(offer=offer, email="h@yopmail.com")
    rewards.convert(held.id, "marked")
    services.decide(held, make_user("marketer"), approve=False)
    assert rewards.reward_of(held.id).state == "reversed"
    with pytest.raises(ServiceError, match="not waiting"):
        services.decide(held, make_user("marketer"), approve=True)


def test_ineligible_referrals_never_convert(make_link):
    link = make_link()
    own = services.sign_up(link, {"name": "Me", "email": link.user.email, "consent": True},
                           "203.0.113.7", "en").referral
    with pytest.raises(rewards.NotEligible):
        rewards.convert(own.id, "api")
    assert count(RewardEntry) == 0


def test_a_lapsed_ambassador_earns_no_reward_but_the_conversion_counts(make_link, make_referral,
                                                                     make_response,
                                                                     make_shareable):
    offer = make_shareable()
    link = make_link()
    referral = make_referral(link, offer=offer)
    make_response(score=6, email=link.user.email)
    result = rewards.convert(referral.id, "marked")
    assert result.created and result.reward is None
    assert referral.no_reward_reason == "lapsed" and referral.converted_at is not None


def test_no_reward_set_on_the_offer_means_none(make_referral, make_shareable):
    offer = make_shareable(reward=None)
    result = rewards.convert(make_referral(offer=offer).id, "marked")
    assert result.reward is None and result.referral.no_reward_reason == "no_reward"


def test_csv_of_customer_emails_converts_the_known_ones(make_referral, make_shareable):
    offer = make_shareable()
    make_referral(offer=offer, email="a@example.org")
    make_referral(offer=offer, email="b@example.org")
    counts = rewards.convert_emails(["A@example.org", "a@example.org", "nobody@example.org",
                                     "bad", "b@example.org"], "upload")
    assert counts == {"converted": 2, "already": 0, "unknown": 1, "not_eligible": 0,
                      "invalid": 1}
    assert rewards.convert_emails(["b@example.org"], "upload")["already"] == 1


def test_offer_rewards_are_validated(make_shareable):
    offer = make_shareable(reward=None)
    assert rewards.set_offer_reward(offer.id, "credit", "7,5").amount == 750
    with pytest.raises(ServiceError, match="more than zero"):
        rewards.set_offer_reward(offer.id, "points", "-5")
    for bad in ("abc", "1.234", "1e9"):
        with pytest.raises(ServiceError):
            rewards.set_offer_reward(offer.id, "credit", bad)
    assert rewards.set_offer_reward(offer.id, "points", "") is None
    assert count(OfferReward) == 0


def test_adjustments_redemptions_and_reversals_keep_the_ledger(make_link, make_referral,
                                                              make_shareable, make_user):
    marketer = make_user("marketer")
    link = make_link()
    user = link.user
    with pytest.raises(ServiceError, match="Say why"):
        rewards.adjust(user, marketer, "points", "50", "  ")
    with pytest.raises(ServiceError, match="zero"):
        rewards.adjust(user, marketer, "points", "0", "nothing")
    bonus = rewards.adjust(user, marketer, "points", "50", "Spoke at our meetup")
    rewards.adjust(user, marketer, "points", "-20", "Duplicate reward")
    rewards.settle(bonus.id, "redeem", marketer, "Sent the gift card")
    referral = make_referral(link, offer=make_shareable())
    pending = rewards.convert(referral.id, "marked").reward
    rewards.settle(pending.id, "reverse", marketer, "The order was refunded")
    with pytest.raises(ServiceError, match="only a pending one"):
        rewards.settle(pending.id, "reverse", marketer, "again")
    points = rewards.balances(user.id)["points"]
    assert points == {"pending": 0, "earned": -20, "redeemed": 50, "reversed": 100}
    assert rewards.format_amount("credit", -1250) == "-12.50"


@pytest.mark.parametrize("language, points, credit", [
    ("en", "1,234 points", "1,234.50"), ("fr", "1\u202f234 points", "1\u202f234,50"),
    ("tr", "1.234 puan", "1.234,50")])
def test_amounts_are_written_the_readers_way_and_read_back_from_it(app, language, points,
                                                                    credit):
    from ambassador.i18n import in_language

    with app.test_request_context(), in_language(language):
        assert rewards.format_amount("points", 1234) == points
        assert rewards.format_amount("credit", 123450) == credit
        assert rewards.parse_amount("credit", credit) == 123450  # pasted back as shown
    assert rewards.amount_input("credit", 123450) == "1234.50"
    assert rewards.amount_input("credit", -5) == "-0.05"
    assert rewards.parse_amount("credit", rewards.amount_input("credit", -5)) == -5


@pytest.mark.parametrize("typed, cents", [
    ("12.50", 1250), ("12,50", 1250), ("12", 1200), ("1 234,5", 123450),
    ("1.234,50", 123450), ("1,234.50", 123450), ("-3,05", -305), ("\xa012,50 ", 1250)])
def test_credit_is_read_as_typed_in_any_of_our_languages(typed, cents):
    assert rewards.parse_amount("credit", typed) == cents


@pytest.mark.parametrize("typed", ["12.505", "1.2.3", "abc", "12,50,1", "1e5", "--1"])
def test_unreadable_credit_is_refused(typed):
    with pytest.raises(ServiceError, match="Enter the amount as a number"):
        rewards.parse_amount("credit", typed)
