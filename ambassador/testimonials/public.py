"""What leaves the application: approved testimonials, reduced to what was consented.

This is the only way out for testimonials (widgets, exports): a field whose consent
was not given is None here, so no caller can show it by mistake.

    published_testimonials(tags=("billing",), min_rating=4, languages=("fr",), limit=12)
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from ambassador.extensions import db
from ambassador.nps.models import Customer
from ambassador.testimonials.models import Testimonial, TestimonialPhoto, TestimonialTag
from ambassador.urls import absolute_url


@dataclass(frozen=True)
class PublishedTestimonial:
    """One approved testimonial as the public may see it.

    body and rating need the text consent (without it nothing is published at all);
    author_name needs the name consent, author_title the company consent, photo_url the
    photo consent. verified_promoter: the author's latest NPS answer is 9-10.
    """

    id: int
    body: str
    rating: int
    author_name: str | None
    author_title: str | None
    photo_url: str | None
    date: date
    verified_promoter: bool
    language: str
    tags: tuple[str, ...]
    featured: bool


def publishable():
    """The WHERE clause of every public list: approved and consented to."""
    return (Testimonial.status == "approved") & Testimonial.consent_text.is_(True)


def photo_url(testimonial_id: int, digest: str) -> str:
    """The public address of a testimonial's photo (a new photo gets a new address)."""
    return absolute_url("testimonials.photo", testimonial_id=testimonial_id, digest=digest)


def published_testimonials(tags: Iterable[str] = (), min_rating: int | None = None,
                           languages: Iterable[str] = (), ids: Iterable[int] | None = None,
                           limit: int | None = None) -> list[PublishedTestimonial]:
    """Approved testimonials with only their consented fields, featured first, newest next.

    With `ids`, only those testimonials, in the order given (hand-picked widgets);
    `tags` keeps testimonials carrying any of them.
    """
    stmt = (select(Testimonial, Customer.latest_score, TestimonialPhoto.digest)
            .join(Customer, Customer.id == Testimonial.customer_id)
            .outerjoin(TestimonialPhoto, TestimonialPhoto.testimonial_id == Testimonial.id)
            .where(publishable())
            .options(selectinload(Testimonial.tags)))
    tags = [t.lower() for t in tags]
    if tags:
        stmt = stmt.where(exists().where(TestimonialTag.testimonial_id == Testimonial.id,
                                         TestimonialTag.tag.in_(tags)))
    if min_rating:
        stmt = stmt.where(Testimonial.rating >= min_rating)
    languages = list(languages)
    if languages:
        stmt = stmt.where(Testimonial.language.in_(languages))
    wanted = None
    if ids is not None:
        wanted = [i for i in ids if isinstance(i, int)]
        stmt = stmt.where(Testimonial.id.in_(wanted))
    else:
        stmt = stmt.order_by(Testimonial.featured.desc(), Testimonial.decided_at.desc(),
                             Testimonial.id.desc())
        if limit:
            stmt = stmt.limit(limit)
    found = [_public(t, score, digest) for t, score, digest in db.session.execute(stmt)]
    if wanted is not None:
        rank = {i: n for n, i in enumerate(wanted)}
        found.sort(key=lambda p: rank[p.id])
        found = found[:limit] if limit else found
    return found


def _public(t: Testimonial, latest_score: int | None, digest: str | None) -> PublishedTestimonial:
    return PublishedTestimonial(
        id=t.id, body=t.body, rating=t.rating,
        author_name=(t.author_name or None) if t.consent_name else None,
        author_title=(t.author_title or None) if t.consent_company else None,
        photo_url=photo_url(t.id, digest) if t.consent_photo and digest else None,
        date=t.submitted_at.date(),
        verified_promoter=latest_score is not None and latest_score >= 9,
        language=t.language, tags=tuple(tag.tag for tag in t.tags), featured=t.featured)


def is_photo_public(testimonial: Testimonial) -> bool:
    """Whether anyone may see this testimonial's photo."""
    return (testimonial.status == "approved" and testimonial.consent_text
            and testimonial.consent_photo)
