"""The author's pages and the whole flow from a comment to a withdrawn testimonial."""

import io
import re

from sqlalchemy import select

from ambassador.extensions import db
from ambassador.testimonials import models, public
from ambassador.testimonials.photos import MAX_BYTES
from tests.testimonials.conftest import BODY, image_bytes

FORM = {"body": BODY, "rating": "5", "author_name": "Hélène Dupré", "name_format": "full",
        "author_title": "Head of Operations", "language": "fr", "consent_text": "y",
        "consent_name": "y"}


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_whole_flow_from_a_comment_to_withdrawal(client, login, make_user, make_response,
                                                     outbox):
    answer = make_response(score=10, email="helene@example.fr", name="Hélène Dupré",
                           comment="Service impeccable, l'équipe a été réactive.",
                           language="fr", company="Lumière Voyages")
    marketer = make_user("marketer")
    login(marketer)
    page = _text(client.get("/dashboard/testimonials/candidates"))
    assert "Service impeccable" in page and "Hélène Dupré" in page
    response = client.post("/dashboard/testimonials/requests",
                           data={"customer_id": answer.customer_id,
                                 "response_id": answer.id})
    assert response.status_code == 303
    assert "Service impeccable" not in _text(client.get("/dashboard/testimonials/candidates"))
    [mail] = outbox(to="helene@example.fr")
    assert mail.subject == "Pouvons-nous vous citer ?"  # in her language
    assert "Service impeccable, l'équipe a été réactive." in mail.body_text
    link = re.search(r"http://ambassador.test(/quote/[\w-]+)", mail.body_text).group(1)
    client.post("/logout")

    form_page = client.get(link)
    assert form_page.status_code == 200
    assert form_page.headers["Referrer-Policy"] == "no-referrer"
    assert "Service impeccable, l&#39;équipe a été réactive." in _text(form_page)
    assert "Lumière Voyages" in _text(form_page)  # title pre-filled from the company
    sent = client.post(link, data={**FORM, "body": "Service impeccable, une équipe réactive !"})
    assert sent.status_code == 303
    manage = sent.headers["Location"]
    assert "/quote/manage/" in manage
    assert "Waiting for a quick review" in _text(client.get(manage))
    assert client.post(link, data=FORM).status_code == 303  # the used link shows, not writes
    assert db.session.query(models.Testimonial).count() == 1
    testimonial = db.session.scalar(select(models.Testimonial))
    assert testimonial.request_id is not None and testimonial.nps_score == 10

    login(marketer)
    queue = _text(client.get("/dashboard/testimonials"))
    assert "Service impeccable, une équipe réactive !" in queue
    assert client.post(f"/dashboard/testimonials/{testimonial.id}/approve").status_code == 303
    client.post("/logout")
    assert "Hélène" in outbox(to="helene@example.fr")[-1].body_text
    shown = _text(client.get(manage))
    assert "Exactly what is published" in shown and "une équipe réactive" in shown
    assert client.post(manage + "/withdraw").status_code == 303
    assert public.published_testimonials() == []
    assert "You withdrew it on" in _text(client.get(manage))


def test_promoter_writes_from_the_portal(client, login, make_promoter):
    promoter = login(make_promoter(company="Lumière Voyages"))
    page = _text(client.get("/portal/testimonials/new"))
    assert f'value="{promoter.name}"' in page and 'value="Lumière Voyages"' in page
    assert "You may show my name, as written above, next to it." in page
    photo = (io.BytesIO(image_bytes("WEBP")), "me.webp")
    response = client.post("/portal/testimonials/new",
                           data={**FORM, "consent_photo": "y", "photo": photo},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    testimonial = db.session.scalar(select(models.Testimonial))
    assert testimonial.user_id == promoter.id and testimonial.photo is not None
    detail = _text(client.get(response.headers["Location"]))
    assert "Pending review" in detail and BODY in detail
    photo_url = f"/testimonials/photos/{testimonial.id}/{testimonial.photo.digest}.jpg"
    assert client.get(photo_url).status_code == 200  # the author sees their own photo
    client.post("/logout")
    assert client.get(photo_url).status_code == 404  # nobody else before approval


def test_markup_in_a_testimonial_is_shown_literally(client, login, make_promoter):
    login(make_promoter())
    payload = "<script>alert(1)</script> <img src=x onerror=alert(2)> works well for us"
    response = client.post("/portal/testimonials/new", data={**FORM, "body": payload})
    page = _text(client.get(response.headers["Location"]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page and "<img src=x" not in page


def test_form_errors_keep_what_was_typed(client, login, make_promoter):
    login(make_promoter())
    response = client.post("/portal/testimonials/new",
                           data={**FORM, "consent_text": "", "body": "Kept text that I typed"})
    assert response.status_code == 400
    page = _text(response)
    assert "Kept text that I typed" in page and "tick the box" in page
    bad = client.post("/portal/testimonials/new",
                      data={**FORM, "photo": (io.BytesIO(b"<svg></svg>"), "x.svg"),
                            "consent_photo": "y"}, content_type="multipart/form-data")
    assert bad.status_code == 400 and "SVG images are not accepted" in _text(bad)
    no_rating = client.post("/portal/testimonials/new", data={**FORM, "rating": "9"})
    assert no_rating.status_code == 400
    assert db.session.query(models.Testimonial).count() == 0


def test_an_empty_form_names_every_mistake_at_once_under_its_field(client, login,
                                                                 make_promoter):
    login(make_promoter())
    response = client.post("/portal/testimonials/new", data={
        "body": "", "author_name": " ", "name_format": "full", "language": "fr"})
    assert response.status_code == 400
    page = _text(response)
    body = page[page.index('name="body"'):page.index("t-rating")]
    rating = page[page.index("t-rating"):page.index('name="author_name"')]
    consent = page[page.index("What may we show?"):page.index("Would you go further?")]
    assert "Your testimonial is required." in body
    assert rating.count("Choose a rating from 1 to 5 stars.") == 1  # the form's and ours: once
    assert "Name is required." in page
    assert "tick the box that allows us to publish the text" in consent
    assert 'class="flash flash-error"' not in page  # nothing without its field
    short = _text(client.post("/portal/testimonials/new", data={**FORM, "body": "Great"}))
    assert "Write at least" in short and "Choose a rating" not in short
    assert db.session.query(models.Testimonial).count() == 0


def test_an_upload_over_the_limit_is_a_clear_413(client, login, make_promoter):
    login(make_promoter())
    body = (b'--x\r\nContent-Disposition: form-data; name="photo"; filename="big.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n" + b"\xff\xd8" + b"\x00" * (MAX_BYTES + 300_000)
            + b"\r\n--x--\r\n")
    response = client.post("/portal/testimonials/new", data=body,
                           content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert "The photo is larger than 5 MB" in _text(response)


def test_a_promoter_cannot_see_or_withdraw_anothers(client, login, make_testimonial,
                                                    make_promoter):
    theirs = make_testimonial(status="approved")
    login(make_promoter())
    assert client.get(f"/portal/testimonials/{theirs.id}").status_code == 404
    assert client.post(f"/portal/testimonials/{theirs.id}/withdraw").status_code == 404
    assert client.get(f"/dashboard/testimonials/{theirs.id}").status_code == 403
    assert client.post(f"/dashboard/testimonials/{theirs.id}/approve").status_code == 403
    assert BODY not in _text(client.get("/portal/testimonials"))
    db.session.expire_all()
    assert db.session.get(models.Testimonial, theirs.id).status == "approved"


def test_the_author_withdraws_from_the_portal(client, login, make_testimonial):
    testimonial = make_testimonial(status="approved")
    login(testimonial.user)
    listing = _text(client.get("/portal/testimonials"))
    assert "Approved" in listing
    response = client.post(f"/portal/testimonials/{testimonial.id}/withdraw")
    assert response.status_code == 303
    assert public.published_testimonials() == []


def test_a_forged_manage_link_or_dead_quote_link(client):
    assert client.get("/quote/manage/not-a-signed-token").status_code == 404
    assert client.get("/quote/nonsense").status_code == 404


def test_an_expired_request_link_says_so(client, make_response, make_user):
    from datetime import timedelta

    from ambassador.testimonials import requests
    from ambassador.utils import utcnow

    answer = make_response(score=9, comment="Great folks to work with, every time.")
    requests.request_testimonial(answer.customer_id, make_user("marketer"),
                                 now=utcnow() - timedelta(days=31))
    db.session.commit()
    raw = re.search(r"/quote/([\w-]+)", db.session.scalar(
        select(models.TestimonialRequest).limit(1)) and _last_link()).group(1)
    response = client.get(f"/quote/{raw}")
    assert response.status_code == 410 and "expired" in _text(response)


def _last_link() -> str:
    from ambassador.mail.models import OutboxMessage

    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first(
    ).body_text
