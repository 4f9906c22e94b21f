"""Referrals in a person's data download and in erasure."""

from sqlalchemy import select

from ambassador.extensions import db
from ambassador.privacy import services as privacy
from ambassador.referrals.models import Referral


def test_the_ambassador_download_shows_their_friends_by_first_name_only(make_link,
                                                                          make_referral):
    link = make_link()
    make_referral(link=link, email="luc.martin@example.org", name="Luc Martin")
    section = privacy.data_of(privacy.subject_of_user(link.user))["referrals"]
    assert section["link"]["code"] == link.code
    assert [f["first_name"] for f in section["friends"]] == ["Luc"]
    assert "luc.martin@example.org" not in privacy.data_json(privacy.subject_of_user(link.user))


def test_erasing_a_friend_keeps_the_stage_without_their_name_or_address(
        make_link, make_referral, make_response):
    referral = make_referral(email="luc.martin@example.org", name="Luc Martin")
    friend = make_response(score=8, email="luc.martin@example.org").customer
    section = privacy.data_of(privacy.subject_of_customer(friend))["referrals"]
    assert section["signed_up_as_friend"][0]["email"] == "luc.martin@example.org"
    privacy.erase(privacy.subject_of_customer(friend))
    db.session.commit()
    kept = db.session.scalar(select(Referral).where(Referral.id == referral.id))
    assert kept.status == referral.status and kept.friend_name == ""
    assert "luc.martin" not in kept.friend_email
