"""Writing, consent and what leaves the application (the widgets' one way out)."""

import pytest
from sqlalchemy import select

from ambassador.extensions import db
from ambassador.testimonials import models, public, services
from ambassador.testimonials.consent import CONSENT_VERSION, wording
from ambassador.testimonials.photos import process_photo
from tests.testimonials.conftest import all_consents, image_bytes


def test_a_submission_stores_each_consent_with_its_wording_version_and_time(
        make_testimonial):
    testimonial = make_testimonial(consents=all_consents(photo=False))
    records = {c.scope: c for c in db.session.scalars(select(models.TestimonialConsent))}
    assert set(records) == {"text", "name", "company", "photo"}
    assert records["text"].granted and not records["photo"].granted
    assert records["name"].wording == wording("name")
    assert records["name"].version == CONSENT_VERSION
    assert records["name"].recorded_at == testimonial.submitted_at
    assert testimonial.status == "pending"
    assert testimonial.nps_score == 10 and testimonial.nps_responded_at is not None


def test_nothing_is_published_before_approval(make_testimonial):
    make_testimonial()
    assert public.published_testimonials() == []


def test_a_name_without_consent_never_leaves(make_testimonial):
    make_testimonial(status="approved", consents=all_consents(name=False, company=False))
    [shown] = public.published_testimonials()
    assert shown.author_name is None and shown.author_title is None
    assert shown.body.startswith("They answered") and shown.rating == 5
    assert "Hélène" not in repr(shown) and "Lumière" not in repr(shown)


def test_each_consent_governs_its_own_field(make_testimonial):
    photo = process_photo(image_bytes())
    make_testimonial(status="approved", photo=photo, consents=all_consents(company=False))
    [shown] = public.published_testimonials()
    assert shown.author_name == "Hélène Dupré"
    assert shown.author_title is None
    assert shown.photo_url.startswith("http://ambassador.test/testimonials/photos/")
    assert shown.verified_promoter is True
    assert shown.language == "fr"


def test_a_photo_without_photo_consent_is_not_even_kept(make_testimonial):
    testimonial = make_testimonial(photo=process_photo(image_bytes()),
                                   consents=all_consents(photo=False))
    assert testimonial.photo is None


def test_text_consent_is_required(make_promoter, submission):
    promoter = make_promoter()
    with pytest.raises(services.TestimonialError, match="consent"):
        services.submit(promoter.customer, submission(consents=all_consents(text=False)))


@pytest.mark.parametrize(("fields", "message"), [
    ({"body": ""}, "required"),
    ({"body": "Too short"}, "at least"),
    ({"body": "x" * 601}, "at most 600"),
    ({"body": "Fine words here\x00 with a NUL"}, "control characters"),
    ({"rating": 0}, "1 to 5"),
    ({"rating": 6}, "1 to 5"),
    ({"author_name": "   "}, "required"),
    ({"author_name": "n" * 121}, "at most 120"),
    ({"language": "de"}, "language"),
    ({"name_format": "nickname"}, "name"),
])
def test_bad_input_gets_a_clear_message(make_promoter, submission, fields, message):
    promoter = make_promoter()
    with pytest.raises(services.TestimonialError, match=message):
        services.submit(promoter.customer, submission(**fields))
    assert db.session.scalar(select(models.Testimonial.id)) is None


def test_first_name_and_initial_only(make_testimonial):
    testimonial = make_testimonial(name_format="initial", author_name="Şükrü  Yılmaz")
    assert testimonial.author_name == "Şükrü Y."


def test_markup_is_stored_as_typed(make_testimonial):
    text = '<img src=x onerror=alert(1)> <b>great</b> & "quick"'
    testimonial = make_testimonial(body=text)
    assert testimonial.body == text == testimonial.original_body


def test_withdrawal_takes_it_out_of_every_list_and_records_it(make_testimonial):
    testimonial = make_testimonial(status="approved", photo=process_photo(image_bytes()))
    assert len(public.published_testimonials()) == 1
    assert services.withdraw(testimonial) is True
    db.session.commit()
    assert public.published_testimonials() == []
    assert testimonial.photo is None
    consent = models.TestimonialConsent
    last = db.session.scalars(select(consent).order_by(consent.id.desc()).limit(4)).all()
    assert {c.granted for c in last} == {False}
    assert services.withdraw(testimonial) is False


def test_deleting_an_account_withdraws_its_testimonials(make_testimonial):
    testimonial = make_testimonial(status="approved")
    db.session.delete(testimonial.user)
    db.session.commit()
    db.session.refresh(testimonial)
    assert testimonial.status == "withdrawn"
    assert public.published_testimonials() == []


def test_filters_of_the_public_list(make_testimonial, make_promoter):
    from ambassador.testimonials import moderation

    first = make_testimonial(status="approved", rating=5, language="fr")
    second = make_testimonial(status="approved", rating=3, language="en",
                              promoter=make_promoter())
    moderation.set_tags(second, None, "Billing, mobile app")
    db.session.commit()
    assert [p.id for p in public.published_testimonials(min_rating=4)] == [first.id]
    assert [p.id for p in public.published_testimonials(languages=["en"])] == [second.id]
    assert [p.id for p in public.published_testimonials(tags=["billing"])] == [second.id]
    assert public.published_testimonials(tags=["billing"])[0].tags == ("billing", "mobile app")
    assert [p.id for p in public.published_testimonials(ids=[second.id, first.id])] == [
        second.id, first.id]
