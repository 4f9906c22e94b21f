"""Marketers: the queue, decisions, corrections with their trail, candidates, requests."""

from datetime import timedelta

from sqlalchemy import select

from ambassador.audit.models import AuditEntry
from ambassador.extensions import db
from ambassador.testimonials import models, public
from ambassador.utils import utcnow
from tests.testimonials.conftest import BODY


def _text(response) -> str:
    return response.get_data(as_text=True)


def _reload(testimonial):
    db.session.expire_all()
    return db.session.get(models.Testimonial, testimonial.id)


def test_queue_shows_pending_and_filters(client, login, make_user, make_testimonial,
                                         make_promoter):
    make_testimonial(rating=5, language="fr", body="Five stars in French, merci beaucoup !")
    make_testimonial(rating=3, language="en", body="Three stars in English, fine overall.",
                     promoter=make_promoter())
    login(make_user("marketer"))
    page = _text(client.get("/dashboard/testimonials"))
    assert "Five stars in French" in page and "Three stars in English" in page
    assert 'aria-current="page">Testimonials</a>' in page
    only_fr = _text(client.get("/dashboard/testimonials?language=fr&rating=5"))
    assert "Five stars in French" in only_fr and "Three stars" not in only_fr
    odd = client.get("/dashboard/testimonials?rating=99&status=<x>&since=yesterday&page=-3")
    assert odd.status_code == 200


def test_reject_with_a_reason_the_author_sees(client, login, make_user, make_testimonial,
                                              outbox):
    testimonial = make_testimonial()
    login(make_user("marketer"))
    empty = client.post(f"/dashboard/testimonials/{testimonial.id}/reject", data={"reason": ""})
    assert empty.status_code == 303 and _reload(testimonial).status == "pending"
    client.post(f"/dashboard/testimonials/{testimonial.id}/reject",
                data={"reason": "Please <b>remove</b> the customer's name."})
    assert _reload(testimonial).status == "rejected"
    assert "remove</b> the customer" in outbox()[-1].body_text
    client.post("/logout")
    login(testimonial.user)
    page = _text(client.get(f"/portal/testimonials/{testimonial.id}"))
    assert "Please &lt;b&gt;remove&lt;/b&gt; the customer&#39;s name." in page


def test_a_correction_keeps_the_original_tells_the_author_and_is_audited(
        client, login, make_user, make_testimonial, outbox):
    testimonial = make_testimonial(status="approved", body="Thier support is grate, "
                                                           "we save hours every week.")
    marketer = login(make_user("marketer", name="Margaux Lefèvre"))
    response = client.post(f"/dashboard/testimonials/{testimonial.id}/edit",
                           data={"body": "Their support is great, we save hours every week."})
    assert response.status_code == 303
    testimonial = _reload(testimonial)
    assert testimonial.body.startswith("Their support is great")
    assert testimonial.original_body.startswith("Thier support is grate")
    [edit] = testimonial.edits
    assert edit.editor_id == marketer.id and edit.before.startswith("Thier")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "testimonial.edit"))
    assert entry.actor_id == marketer.id and entry.target_id == str(testimonial.id)
    assert entry.before["body"].startswith("Thier") and entry.after["body"].startswith("Their")
    mail = outbox(to=testimonial.customer.email)[-1]
    assert mail.subject == "We corrected your testimonial"
    assert "Thier support is grate" in mail.body_text and "withdraw" in mail.body_text
    review = _text(client.get(f"/dashboard/testimonials/{testimonial.id}"))
    assert "Original text, as the author wrote it" in review and "Margaux Lefèvre" in review
    assert public.published_testimonials()[0].body.startswith("Their support is great")
    client.post("/logout")
    login(testimonial.user)
    mine = _text(client.get(f"/portal/testimonials/{testimonial.id}"))
    assert "Our correction" in mine and "Thier support is grate" in mine


def test_tags_and_feature(client, login, make_user, make_testimonial):
    testimonial = make_testimonial(status="approved")
    login(make_user("marketer"))
    client.post(f"/dashboard/testimonials/{testimonial.id}/tags",
                data={"tags": "Billing, mobile app, billing"})
    assert _reload(testimonial).tag_names == ["billing", "mobile app"]
    client.post(f"/dashboard/testimonials/{testimonial.id}/feature")
    assert _reload(testimonial).featured is True
    assert public.published_testimonials(tags=["mobile app"])[0].featured is True
    assert "billing" in _text(client.get("/dashboard/testimonials?status=approved&tag=billing"))


def test_a_withdrawn_testimonial_cannot_be_approved(client, login, make_user,
                                                    make_testimonial):
    from ambassador.testimonials import services

    testimonial = make_testimonial()
    services.withdraw(testimonial)
    db.session.commit()
    login(make_user("marketer"))
    response = client.post(f"/dashboard/testimonials/{testimonial.id}/approve",
                           follow_redirects=True)
    assert "withdrew" in _text(response)
    assert _reload(testimonial).status == "withdrawn"
    assert public.published_testimonials() == []


def test_candidates_are_promoters_with_a_comment_not_yet_asked(client, login, make_user,
                                                               make_response, outbox):
    now = utcnow()
    make_response(score=10, email="old@example.com", comment="Older but lovely words here.",
                  responded_at=now - timedelta(days=9))
    make_response(score=9, email="new@example.com", comment="Newest lovely words here.",
                  responded_at=now - timedelta(days=1))
    make_response(score=10, email="silent@example.com", comment="   ")
    make_response(score=8, email="passive@example.com", comment="Good, could be better.")
    make_response(score=10, email="lapsed@example.com", comment="Was great back then.",
                  responded_at=now - timedelta(days=30))
    make_response(score=5, email="lapsed@example.com", responded_at=now - timedelta(days=2))
    login(make_user("marketer"))
    page = _text(client.get("/dashboard/testimonials/candidates"))
    assert page.index("Newest lovely words") < page.index("Older but lovely words")
    for absent in ("silent@", "passive@", "Was great back then"):
        assert absent not in page
    response = client.post("/dashboard/testimonials/requests",
                           data={"email": "lapsed@example.com"}, follow_redirects=True)
    assert "not an active ambassador" in _text(response)
    client.post("/dashboard/testimonials/requests", data={"email": "OLD@example.com"})
    assert len(outbox(to="old@example.com")) == 1
    assert "Older but lovely words here." in outbox(to="old@example.com")[0].body_text
    again = client.post("/dashboard/testimonials/requests", data={"email": "old@example.com"},
                        follow_redirects=True)
    assert "already been asked" in _text(again) and len(outbox(to="old@example.com")) == 1
    unknown = client.post("/dashboard/testimonials/requests",
                          data={"email": "nobody@example.com"}, follow_redirects=True)
    assert "Nobody with the address" in _text(unknown)
    bad = client.post("/dashboard/testimonials/requests", data={"customer_id": "x1"})
    assert bad.status_code == 400


def test_volunteers_and_review_sites(client, login, make_user, make_testimonial):
    make_testimonial(case_study=True)
    login(make_user("marketer"))
    assert "✓" in _text(client.get("/dashboard/testimonials/volunteers"))
    bad = client.post("/dashboard/testimonials/sites",
                      data={"name": "G2", "url": "javascript:alert(1)"})
    assert bad.status_code == 400 and "https://" in _text(bad)
    client.post("/dashboard/testimonials/sites",
                data={"name": "G2", "url": "https://www.g2.com/products/x/reviews"})
    site = db.session.scalar(select(models.ReviewSite))
    assert site.name == "G2"
    assert client.post(f"/dashboard/testimonials/sites/{site.id}/remove").status_code == 303
    assert db.session.scalar(select(models.ReviewSite)) is None


def test_review_sites_are_offered_after_approval(client, login, make_user, make_testimonial,
                                                 outbox):
    from ambassador.testimonials import moderation

    moderation.add_review_site("Trustpilot", "https://www.trustpilot.com/review/example.com")
    testimonial = make_testimonial()
    moderation.approve(testimonial, make_user("marketer"))
    db.session.commit()
    assert "https://www.trustpilot.com/review/example.com" in outbox()[-1].body_text
    login(testimonial.user)
    page = _text(client.get(f"/portal/testimonials/{testimonial.id}"))
    assert "Would you also review us there?" in page and 'rel="noopener noreferrer"' in page


def test_export_holds_only_published_consented_fields(client, login, make_user,
                                                      make_testimonial, make_promoter):
    from tests.testimonials.conftest import all_consents

    make_testimonial(status="approved", consents=all_consents(name=False),
                     body="=HYPERLINK(\"http://evil\") nice people to work with")
    make_testimonial(promoter=make_promoter(), body="Still pending, must not be exported.")
    login(make_user("marketer"))
    response = client.get("/dashboard/testimonials/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "'=HYPERLINK" in text
    assert "Hélène" not in text and "Still pending" not in text
    assert BODY not in text
