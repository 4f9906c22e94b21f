"""Offer pages as people use them: promoters claim, marketers create and stock offers."""

from datetime import timedelta
from io import BytesIO

from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.offers.models import Offer, OfferCode, Redemption
from ambassador.utils import utcnow


def redemptions() -> int:
    return db.session.scalar(select(func.count()).select_from(Redemption))


def page(response) -> str:
    return response.get_data(as_text=True)


# -- promoters ---------------------------------------------------------------------------


def test_a_promoter_claims_and_sees_the_same_code_when_coming_back(client, login, make_offer,
                                                                   make_promoter):
    offer = make_offer("pool", codes=["FIRST-1", "FIRST-2"], title="Free month")
    login(make_promoter())

    listing = page(client.get("/offers"))
    assert "Free month" in listing and f"/offers/{offer.id}" in listing
    before = page(client.get(f"/offers/{offer.id}"))
    assert "Claim my code" in before and f'action="/offers/{offer.id}/claim"' in before
    assert "2 codes left." in before

    response = client.post(f"/offers/{offer.id}/claim")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/offers/{offer.id}"
    shown = page(client.get(f"/offers/{offer.id}"))
    assert '<code id="offer-code">FIRST-1</code>' in shown
    assert "Here is your code." in shown and "Claim my code" not in shown
    assert 'data-copy="offer-code"' in shown and "/static/js/copy.js" in shown
    assert "<script>" not in shown  # no inline script: the copy button lives in a file

    again = client.post(f"/offers/{offer.id}/claim", follow_redirects=True)
    assert '<code id="offer-code">FIRST-1</code>' in page(again)
    assert "Here is your code." not in page(again)
    assert '<code id="offer-code">FIRST-1</code>' in page(client.get(f"/offers/{offer.id}"))
    assert redemptions() == 1
    assert "FIRST-1" in page(client.get("/offers"))


def test_a_lapsed_ambassador_sees_a_kind_explanation_and_cannot_claim(client, login,
                                                                    make_offer, make_lapsed):
    offer = make_offer("generated", title="Beta access")
    login(make_lapsed())

    listing = page(client.get("/offers"))
    assert "Offers are paused for you" in listing and "rate us 9 or 10" in listing
    detail = page(client.get(f"/offers/{offer.id}"))
    assert "Claim my code" not in detail and "<button type=\"submit\" class=\"button primary\"" \
        not in detail
    assert "new offers open again as soon as you rate us 9 or 10" in detail

    response = client.post(f"/offers/{offer.id}/claim")
    assert response.status_code == 403
    assert "Claiming offers is paused" in page(response)
    assert redemptions() == 0
    assert db.session.scalar(select(func.count()).select_from(OfferCode)) == 0


def test_staff_posting_a_claim_get_403_and_nothing_is_recorded(client, login, make_offer,
                                                             make_user):
    offer = make_offer("shared")
    login(make_user("marketer"))

    assert "staff account cannot claim" in page(client.get(f"/offers/{offer.id}"))
    response = client.post(f"/offers/{offer.id}/claim")
    assert response.status_code == 403
    assert "a staff account cannot claim them" in page(response)
    assert redemptions() == 0
    db.session.refresh(offer)
    assert offer.claimed == 0


def test_upcoming_expired_and_exhausted_offers_say_so(client, login, make_offer,
                                                     make_promoter):
    upcoming = make_offer("shared", starts_at=utcnow() + timedelta(days=5))
    expired = make_offer("shared", starts_at=utcnow() - timedelta(days=9),
                         ends_at=utcnow() - timedelta(days=1))
    exhausted = make_offer("pool", codes=["LAST"])
    client.application.test_client()  # (a second person takes the last code)
    other = make_promoter()
    from ambassador.offers import services

    services.claim(exhausted.id, other)
    db.session.commit()
    login(make_promoter())

    for offer, words in [(upcoming, "This offer opens on"), (expired, "This offer ended on"),
                         (exhausted, "it is exhausted")]:
        shown = page(client.get(f"/offers/{offer.id}"))
        assert words in shown and "Claim my code" not in shown
        response = client.post(f"/offers/{offer.id}/claim")
        assert response.status_code == 409 and words in page(response)
    assert redemptions() == 1
    assert "Coming soon" in page(client.get("/offers"))


def test_unknown_offers_are_404(client, login, make_promoter):
    login(make_promoter())
    for url in ("/offers/12345", "/offers/99999999999999999999"):
        assert client.get(url).status_code == 404
    assert client.post("/offers/12345/claim").status_code == 404


def test_descriptions_are_sanitised_markdown(client, login, make_offer, make_promoter):
    offer = make_offer("shared", description="**Merci** <script>alert(1)</script>"
                       "[site](javascript:alert(2))", terms="<img src=x onerror=alert(3)>")
    login(make_promoter())

    shown = page(client.get(f"/offers/{offer.id}"))
    assert "<strong>Merci</strong>" in shown
    assert "<script>alert" not in shown and 'href="javascript' not in shown
    assert "&lt;script&gt;" in shown  # shown as the text it is
    assert "<img src=x" not in shown


def test_the_portal_home_lists_offers_not_claimed_yet(client, login, make_offer,
                                                     make_promoter, make_lapsed):
    make_offer("generated", title="Workshop seat")
    login(make_promoter())
    home = page(client.get("/portal"))
    assert "Offers you haven't claimed yet" in home and "Workshop seat" in home
    assert 'href="/offers"' in home  # the menu entry

    client.post("/logout")
    login(make_lapsed())
    assert "Offers you haven&#39;t claimed yet" not in page(client.get("/portal"))


# -- marketers ---------------------------------------------------------------------------


def _form(**overrides):
    data = {"title": "Spring gift", "description": "A **gift**.", "terms": "Until May.",
            "starts_at": "2026-01-01T09:00", "ends_at": "", "total_limit": "",
            "code_mode": "shared", "shared_code": "SPRING", "codes": ""}
    data.update(overrides)
    return data


def test_a_marketer_creates_each_kind_of_offer(client, login, make_user):
    login(make_user("marketer"))
    assert client.get("/dashboard/offers/new").status_code == 200

    response = client.post("/dashboard/offers/new", data=_form(shareable="y"))
    assert response.status_code == 303
    shared = db.session.scalar(select(Offer).where(Offer.code_mode == "shared"))
    assert (shared.shared_code, shared.shareable) == ("SPRING", True)
    assert shared.starts_at.isoformat() == "2026-01-01T09:00:00+00:00"

    response = client.post("/dashboard/offers/new", data=_form(
        title="Pool", code_mode="pool", codes="A-1\n\nA-2\nA-1\n  \nA-3\n"),
        follow_redirects=True)
    assert response.status_code == 200
    text = page(response)
    assert "3 codes added." in text
    assert "1 duplicate code was skipped (line 4 (A-1))." in text
    assert "2 blank lines were ignored." in text

    response = client.post("/dashboard/offers/new", data=_form(
        title="Generated", code_mode="generated", total_limit="50"), follow_redirects=True)
    assert "Generated unique codes" in page(response)

    listing = page(client.get("/dashboard/offers"))
    assert all(title in listing for title in ("Spring gift", "Pool", "Generated"))


def test_bad_offer_forms_are_refused_with_the_reason(client, login, make_user):
    login(make_user("marketer"))
    cases = [
        (_form(title=""), "Give the offer a title."),
        (_form(starts_at="2026-05-01T09:00", ends_at="2026-04-01T09:00"), "ends before it starts"),
        (_form(total_limit="0"), "from 1 to 1,000,000"),
        (_form(total_limit="-3"), "from 1 to 1,000,000"),
        (_form(total_limit="lots"), "Not a valid integer"),
        (_form(total_limit="99999999999999999999"), "from 1 to 1,000,000"),
        (_form(starts_at="tomorrow"), "Opens"),
        (_form(code_mode="pool"), "The code pool is empty"),
        (_form(code_mode="pool", codes="\n\n   \n"), "The code pool is empty"),
        (_form(shared_code=""), "Enter the code everybody gets."),
        (_form(title="x" * 5000), "at most 200 characters"),
        (_form(code_mode="<script>"), "Not a valid choice"),
    ]
    for data, message in cases:
        response = client.post("/dashboard/offers/new", data=data)
        assert response.status_code == 400, message
        assert message in page(response), message
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 0


def test_a_file_of_codes_is_uploaded_and_stocked_later(client, login, make_user, make_offer,
                                                     make_promoter):
    login(make_user("marketer"))
    data = _form(code_mode="pool", title="Upload")
    data["codes_file"] = (BytesIO(b"\xef\xbb\xbfU-1\r\nU-2\r\n\r\nU-2\r\n"), "codes.txt")
    response = client.post("/dashboard/offers/new", data=data,
                           content_type="multipart/form-data", follow_redirects=True)
    assert "2 codes added." in page(response) and "1 duplicate code" in page(response)
    offer = db.session.scalar(select(Offer))
    assert offer.codes_total == 2

    for _ in range(2):
        from ambassador.offers import services

        services.claim(offer.id, make_promoter())
        db.session.commit()
    manage = page(client.get(f"/dashboard/offers/{offer.id}"))
    assert "The code pool is running low: 0 of 2 codes left (under 10 %)." in manage

    response = client.post(f"/dashboard/offers/{offer.id}/codes",
                           data={"codes": "U-1\nU-3\nU-4"}, follow_redirects=True)
    assert "2 codes added." in page(response)
    assert "running low" not in page(response)
    db.session.refresh(offer)
    assert (offer.codes_total, offer.remaining) == (4, 2)
    empty = client.post(f"/dashboard/offers/{offer.id}/codes", data={"codes": ""},
                        follow_redirects=True)
    assert "Paste some codes or choose a file first." in page(empty)


def test_editing_below_what_was_claimed_is_refused_with_the_numbers(client, login, make_user,
                                                                   make_offer, make_promoter):
    offer = make_offer("generated", total_limit=10)
    from ambassador.offers import services

    for _ in range(4):
        services.claim(offer.id, make_promoter())
        db.session.commit()
    login(make_user("marketer"))
    form = _form(code_mode="generated", total_limit="3", title="Renamed")
    response = client.post(f"/dashboard/offers/{offer.id}/edit", data=form)
    assert response.status_code == 400
    assert "cannot be lower than 4 (you asked for 3)" in page(response)
    form["total_limit"] = "4"
    assert client.post(f"/dashboard/offers/{offer.id}/edit", data=form).status_code == 303
    db.session.refresh(offer)
    assert (offer.title, offer.total_limit) == ("Renamed", 4)


def test_marketers_see_redemptions_and_export_them(client, login, make_user, make_offer,
                                                  make_promoter):
    offer = make_offer("shared", shared_code="=SUM(1)")
    from ambassador.offers import services

    fan = make_promoter(email="helene@example.fr")
    services.claim(offer.id, fan)
    db.session.commit()
    login(make_user("marketer"))

    manage = page(client.get(f"/dashboard/offers/{offer.id}"))
    assert "helene@example.fr" in manage and "Export as CSV" in manage
    response = client.get(f"/dashboard/offers/{offer.id}/redemptions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data().decode("utf-8-sig")
    header, row = body.splitlines()[:2]
    assert header == "claimed_at,email,name,code"
    assert "helene@example.fr" in row and row.endswith(",'=SUM(1)")  # no formula runs


def test_promoters_cannot_reach_the_marketer_pages(client, login, make_promoter, make_offer):
    offer = make_offer("shared")
    login(make_promoter())
    for url in ("/dashboard/offers", "/dashboard/offers/new", f"/dashboard/offers/{offer.id}",
                f"/dashboard/offers/{offer.id}/edit",
                f"/dashboard/offers/{offer.id}/redemptions.csv"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/dashboard/offers/{offer.id}/codes", data={"codes": "X"}
                       ).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(OfferCode)) == 0


def test_staff_changes_to_offers_are_in_the_audit_trail(client, login, make_user):
    from ambassador.audit.models import AuditEntry

    marketer = login(make_user("marketer"))
    client.post("/dashboard/offers/new", data=_form(code_mode="pool", codes="A\nB"))
    offer = db.session.scalar(select(Offer))
    client.post(f"/dashboard/offers/{offer.id}/codes", data={"codes": "C"})
    client.post(f"/dashboard/offers/{offer.id}/edit",
                data=_form(code_mode="pool", title="Renamed"))

    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["offer.created", "offer.codes_added",
                                           "offer.updated"]
    assert {e.actor_id for e in entries} == {marketer.id}
    assert entries[2].before["title"] == "Spring gift"
    assert entries[2].after["title"] == "Renamed"


def test_control_characters_in_an_offer_are_refused(client, login, make_user):
    login(make_user("marketer"))
    response = client.post("/dashboard/offers/new", data=_form(title="Gift\u202eevil"))
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 0
