"""Referral pages as people use them: the ambassador shares, the friend signs up, the marketer
converts, reviews and adjusts."""

import io
import re

from sqlalchemy import func, select

from ambassador.audit.models import AuditEntry
from ambassador.extensions import db
from ambassador.referrals import rewards, services
from ambassador.referrals.models import FriendInvite, LinkVisit, Referral, RewardEntry


def page(response) -> str:
    return response.get_data(as_text=True)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# -- the ambassador ----------------------------------------------------------------------


def test_an_ambassador_gets_a_link_share_urls_and_a_qr_code(client, login, make_promoter,
                                                           make_shareable):
    offer = make_shareable(title="Welcome gift")
    user = login(make_promoter())
    first = page(client.get("/referrals"))
    assert "Get my referral link" in first and "/r/" not in first
    assert client.post("/referrals/link").status_code == 303
    shown = page(client.get("/referrals"))
    code = re.search(r'<code id="referral-link">http://ambassador.test/r/(\w+)</code>',
                     shown).group(1)
    assert 'data-copy="referral-link"' in shown and "/static/js/referrals.js" in shown
    assert "mailto:?subject=" in shown and "https://wa.me/?text=" in shown
    assert "https://www.linkedin.com/sharing/share-offsite/?url=" in shown
    assert "https://x.com/intent/post?text=" in shown
    assert '<svg viewBox="0 0' in shown and 'class="qr-code"' in shown
    assert f"/r/{code}?offer={offer.id}" in shown and "Welcome gift" in shown
    assert "<script>" not in shown and " style=" not in shown
    client.post("/referrals/link")
    assert code in page(client.get("/referrals"))  # stable
    assert user.id


def test_a_lapsed_ambassador_is_told_the_link_earns_nothing_meanwhile(client, login, make_link,
                                                                    make_response):
    link = make_link()
    make_response(score=7, email=link.user.email)
    login(link.user)
    shown = page(client.get("/referrals"))
    assert link.code in shown and "earns no reward while your latest answer is below 9" in shown


def test_inviting_friends_by_mail_sends_each_friend_one_mail(client, login, make_link,
                                                           make_shareable, make_response,
                                                           outbox):
    offer = make_shareable(title="Welcome gift")
    link = make_link()
    make_response(score=9, email="customer@example.com")
    login(link.user)
    response = client.post("/referrals/invite", data={
        "offer_id": str(offer.id), "message": "You will love them.\nTruly.",
        "addresses": f"a@example.org, b@example.org;customer@example.com\n{link.user.email}"},
        follow_redirects=True)
    shown = page(response)
    assert "Invitations sent to 2 friends." in shown
    assert "Not sent to customer@example.com: already a customer." in shown
    assert "that is your own address" in shown
    mails = outbox()
    assert sorted(m.to_addr for m in mails) == ["a@example.org", "b@example.org"]
    assert "Ayşe invites you to an offer" == mails[0].subject
    assert f"/r/{link.code}?offer={offer.id}" in mails[0].body_text
    assert "You will love them." in mails[0].body_text
    # a friend never answered our survey: the footer says why they get this mail
    assert "because Ayşe, one of our customers, invited you." in mails[0].body_text
    assert "answered our survey" not in mails[0].body_text + mails[0].body_html
    again = client.post("/referrals/invite", data={"offer_id": str(offer.id),
                                                   "addresses": "a@example.org"},
                        follow_redirects=True)
    assert "already invited to this offer" in page(again)
    assert len(outbox()) == 2 and count(FriendInvite) == 2


def test_invitations_are_limited_in_number_and_per_day(app, client, login, make_link,
                                                     make_shareable, monkeypatch, outbox):
    offer = make_shareable()
    login(make_link().user)
    eleven = ",".join(f"f{i}@example.org" for i in range(11))
    response = client.post("/referrals/invite", data={"offer_id": str(offer.id),
                                                      "addresses": eleven})
    assert response.status_code == 400 and "at most 10 friends at once" in page(response)
    monkeypatch.setitem(app.config, "REFERRAL_INVITES_PER_DAY", 2)
    response = client.post("/referrals/invite", data={
        "offer_id": str(offer.id), "addresses": "a@example.org b@example.org c@example.org"},
        follow_redirects=True)
    assert "today&#39;s limit of invitations is reached" in page(response)
    assert len(outbox()) == 2
    bad = client.post("/referrals/invite", data={"offer_id": str(offer.id),
                                                 "addresses": "x@example.org",
                                                 "message": "hi\x1b[31m"})
    assert bad.status_code == 400 and len(outbox()) == 2


def test_invitations_respect_unsubscribe_and_the_contact_budget(client, login, make_link,
                                                              make_shareable, outbox):
    from ambassador.mail.budget import claim_contact
    from ambassador.mail.unsubscribe import headers_of, unsubscribe

    offer = make_shareable()
    login(make_link().user)
    unsubscribe("no@example.org")
    claim_contact("recent@example.org", "checkin")  # mailed by us today
    db.session.commit()
    response = client.post("/referrals/invite", data={
        "offer_id": str(offer.id),
        "addresses": "no@example.org recent@example.org yes@example.org"},
        follow_redirects=True)
    shown = page(response)
    assert "Not sent to no@example.org: does not wish to receive our mail." in shown
    assert "Not sent to recent@example.org: had a mail from us a few days ago" in shown
    [mail] = outbox()
    assert mail.to_addr == "yes@example.org"
    assert "/unsubscribe/" in mail.body_text and "/unsubscribe/" in mail.body_html
    assert headers_of(mail)["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert count(FriendInvite) == 1


# -- the friend --------------------------------------------------------------------------


def test_a_friend_signs_up_sees_and_receives_their_code(client, make_link, make_shareable,
                                                      outbox):
    offer = make_shareable("shared", title="Welcome gift")
    link = make_link()
    landing = page(client.get(f"/r/{link.code}", headers={"Accept-Language": "fr-FR,fr"}))
    assert "Ayşe" in landing and "Yılmaz" not in landing and "Welcome gift" in landing
    assert '<html lang="fr">' in landing and f'data-visit="/r/{link.code}/visit"' in landing
    assert count(LinkVisit) == 0  # a GET records nothing; the page's script counts the visit
    assert client.post(f"/r/{link.code}/visit", data={"offer": str(offer.id)}).status_code \
        == 204
    assert count(LinkVisit) == 1
    response = client.post(f"/r/{link.code}", data={
        "name": "Luc", "email": "luc@example.org", "consent": "y", "offer_id": str(offer.id)},
        headers={"Accept-Language": "fr-FR,fr"})
    assert response.status_code == 303
    thanks = page(client.get(response.headers["Location"]))
    assert '<code id="friend-code">FRIEND-15</code>' in thanks
    mail = outbox("luc@example.org")[0]
    assert "FRIEND-15" in mail.body_text and mail.subject.startswith("Votre offre")


def test_a_second_sign_up_says_the_first_invitation_counts(client, make_link, make_referral):
    make_referral(email="luc@example.org")
    other = make_link(name="Zeynep")
    response = client.post(f"/r/{other.code}", data={"name": "Luc", "email": "luc@example.org",
                                                      "consent": "y"})
    assert response.status_code == 409
    assert "Only the first invitation counts" in page(response)
    assert count(Referral) == 1


def test_bad_sign_ups_get_a_clear_message_and_store_nothing(client, make_link):
    link = make_link()
    for data, expected in (
            ({"name": "", "email": "a@example.org", "consent": "y"}, "Tell us your name."),
            ({"name": "Luc", "email": "nope", "consent": "y"}, "is not a valid email"),
            ({"name": "Luc", "email": "a@example.org"}, "Tick the box"),
            ({"name": "Luc\nBcc: x@example.com", "email": "a@example.org", "consent": "y"},
             "line break"),
            ({"name": "<script>alert(1)</script>", "email": "a@example.org", "consent": "y"},
             None),
            ({"name": "x" * 5000, "email": "a@example.org", "consent": "y"}, "at most 200")):
        response = client.post(f"/r/{link.code}", data=data)
        if expected is None:
            assert response.status_code == 303
            thanks = page(client.get(response.headers["Location"]))
            assert "<script>alert(1)" not in thanks and "&lt;script&gt;" in thanks
            continue
        assert response.status_code == 400, data
        assert expected in page(response), data
    assert count(Referral) == 1


def test_unknown_and_disabled_links_show_a_friendly_page(client, make_link):
    unknown = client.get("/r/doesnotexist")
    assert unknown.status_code == 404 and "does not exist" in page(unknown)
    link = make_link()
    link.user.disabled = True
    db.session.commit()
    closed = client.get(f"/r/{link.code}")
    assert closed.status_code == 404 and "no longer works" in page(closed)
    assert client.post(f"/r/{link.code}", data={"name": "L", "email": "l@example.org",
                                                "consent": "y"}).status_code == 404


def test_a_lapsed_ambassadors_landing_page_still_works(client, make_link, make_response):
    link = make_link()
    make_response(score=5, email=link.user.email)
    assert client.get(f"/r/{link.code}").status_code == 200
    response = client.post(f"/r/{link.code}", data={"name": "Luc", "email": "l@example.org",
                                                     "consent": "y"})
    assert response.status_code == 303


def test_sign_up_floods_from_one_address_are_rate_limited(make_app, make_link):
    link = make_link()
    other = make_app(RATELIMIT_ENABLED=True, RATELIMIT_REFERRAL_SIGNUP="3 per hour")
    client = other.test_client()
    statuses = [client.post(f"/r/{link.code}", data={
        "name": "F", "email": f"f{i}@example.org", "consent": "y"}).status_code
        for i in range(5)]
    assert statuses[3:] == [429, 429] and 429 not in statuses[:3]


# -- the marketer ------------------------------------------------------------------------


def test_the_marketer_marks_a_conversion_and_sees_the_reward_pending(client, login, make_user,
                                                                   make_referral,
                                                                   make_shareable):
    offer = make_shareable(title="Welcome gift", reward=("points", "150"))
    referral = make_referral(offer=offer, name="Luc Martin")
    login(make_user("marketer"))
    board = page(client.get("/dashboard/referrals"))
    assert "Luc Martin" in board and "Mark converted" in board
    assert '<svg class="trend-chart referral-chart"' in board
    response = client.post(f"/dashboard/referrals/{referral.id}/convert", follow_redirects=True)
    shown = page(response)
    assert "Converted. The reward of 150 points is pending until" in shown
    assert "Customer" in shown
    again = client.post(f"/dashboard/referrals/{referral.id}/convert", follow_redirects=True)
    assert "had already converted: nothing changed" in page(again)
    assert count(RewardEntry) == 1
    assert count(AuditEntry, AuditEntry.action == "referral.converted") == 1
    ledger = page(client.get(f"/dashboard/referrals/ambassadors/{referral.link.user_id}"))
    assert "Referral of Luc Martin" in ledger and "Pending" in ledger


def test_the_marketer_sets_an_offers_reward(client, login, make_user, make_shareable):
    offer = make_shareable(reward=None)
    login(make_user("marketer"))
    prefix = f"offer{offer.id}-"
    response = client.post(f"/dashboard/referrals/offers/{offer.id}/reward",
                           data={prefix + "kind": "credit", prefix + "amount": "12.50"},
                           follow_redirects=True)
    assert "The reward is saved." in page(response)
    assert rewards.offer_reward(offer.id).amount == 1250
    bad = client.post(f"/dashboard/referrals/offers/{offer.id}/reward",
                      data={prefix + "kind": "points", prefix + "amount": "lots"},
                      follow_redirects=True)
    assert "Enter the amount as a number" in page(bad)
    assert client.post("/dashboard/referrals/offers/999999/reward",
                       data={prefix + "kind": "points", prefix + "amount": "1"}).status_code \
        == 404


def test_a_csv_upload_converts_the_customers_it_lists(client, login, make_user, make_referral,
                                                     make_shareable):
    offer = make_shareable()
    make_referral(offer=offer, email="a@example.org")
    login(make_user("marketer"))
    data = {"file": (io.BytesIO("\ufeffemail;name\nA@example.org;A\nzz@example.org;Z\n"
                                .encode()), "customers.csv")}
    response = client.post("/dashboard/referrals/upload", data=data,
                           content_type="multipart/form-data", follow_redirects=True)
    assert "1 converted, 0 had already converted, 1 emails match no referral" in page(response)
    assert count(Referral, Referral.converted_at.is_not(None)) == 1


def test_the_review_queue_shows_reasons_and_decides(client, login, make_user, make_referral):
    held = make_referral(email="x@mailinator.com")
    login(make_user("marketer"))
    queue = page(client.get("/dashboard/referrals/review"))
    assert "disposable email domain (mailinator.com)" in queue and "Approve" in queue
    response = client.post(f"/dashboard/referrals/{held.id}/review",
                           data={"decision": "reject"}, follow_redirects=True)
    assert "Rejected: it earns nothing." in page(response)
    db.session.expire_all()
    assert db.session.get(Referral, held.id).status == "rejected"
    assert count(AuditEntry, AuditEntry.action == "referral.rejected") == 1
    assert "Nothing to review." in page(client.get("/dashboard/referrals/review"))


def test_the_review_queue_goes_page_by_page_and_stays_on_the_page(client, login, make_user,
                                                                 make_referral, monkeypatch):
    monkeypatch.setattr(services, "REVIEW_PER_PAGE", 2)
    held = [make_referral(email=f"f{n}@mailinator.com", name=f"Friend {n}") for n in range(5)]
    login(make_user("marketer"))
    first = page(client.get("/dashboard/referrals/review"))
    assert "Friend 0" in first and "Friend 1" in first and "Friend 2" not in first
    assert "5 waiting" in first and "Page 1 of 3" in first and "Next →" in first
    last = page(client.get("/dashboard/referrals/review?page=3"))
    assert "Friend 4" in last and "← Previous" in last and "Next →" not in last
    # Deciding the only row of the last page lands on what is now the last page.
    response = client.post(f"/dashboard/referrals/{held[4].id}/review",
                           data={"decision": "approve", "page": "3"})
    assert response.status_code == 303 and response.location.endswith("/review?page=3")
    shown = page(client.get(response.location))
    assert "Page 2 of 2" in shown and "Friend 2" in shown and "Friend 3" in shown
    assert "Page 1 of 2" in page(client.get("/dashboard/referrals/review?page=x"))


def test_deciding_an_unknown_referral_is_not_found(client, login, make_user):
    login(make_user("marketer"))
    for data in ({"decision": "approve"}, {}):  # with or without a valid decision
        assert client.post("/dashboard/referrals/99999/review", data=data).status_code == 404


def test_ledger_adjustments_need_a_reason_and_are_audited(client, login, make_user, make_link):
    link = make_link()
    login(make_user("marketer"))
    url = f"/dashboard/referrals/ambassadors/{link.user_id}"
    missing = client.post(url + "/adjust", data={"kind": "points", "amount": "50",
                                                 "reason": ""})
    assert missing.status_code == 400 and "Say why" in page(missing)
    response = client.post(url + "/adjust", data={"kind": "points", "amount": "50",
                                                  "reason": "Spoke at our meetup"},
                           follow_redirects=True)
    assert "The adjustment is recorded." in page(response)
    assert "Spoke at our meetup" in page(response)
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "referral.ledger_adjusted"))
    assert entry.after["reason"] == "Spoke at our meetup" and entry.after["amount"] == 50


def test_the_export_lists_every_referral_through_the_csv_writer(client, login, make_user,
                                                               make_referral):
    make_referral(name="=HYPERLINK(\"x\")", email="a@example.org")
    login(make_user("marketer"))
    response = client.get("/dashboard/referrals/export.csv")
    text = page(response)
    assert response.mimetype == "text/csv" and text.startswith("\ufeffid,signed_up_at")
    assert "'=HYPERLINK" in text and "a@example.org" in text


def test_the_qr_code_title_is_escaped_in_the_svg():
    from ambassador.referrals.sharing import qr_svg

    svg = str(qr_svg("https://ambassador.test/r/abc", "<script>alert(1)</script>"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
