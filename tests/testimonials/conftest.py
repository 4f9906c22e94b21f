"""Fixtures for testimonials: a submission, a written testimonial, images to upload."""

import io

import pytest
from PIL import Image

from ambassador.extensions import db
from ambassador.testimonials import services
from ambassador.testimonials.models import SCOPES

BODY = "They answered the same day, every time. Our team saves hours every week."


def all_consents(**overrides) -> dict[str, bool]:
    consents = dict.fromkeys(SCOPES, True)
    consents.update(overrides)
    return consents


def image_bytes(fmt="PNG", size=(64, 48), color=(200, 40, 40), **save) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


@pytest.fixture
def submission():
    """Factory: submission(**fields) -> a valid Submission with every consent given."""

    def make(**fields):
        values = {"body": BODY, "rating": 5, "author_name": "Hélène Dupré",
                  "author_title": "Head of Operations, Lumière Voyages", "language": "fr",
                  "consents": all_consents()}
        values.update(fields)
        return services.Submission(**values)

    return make


@pytest.fixture
def make_testimonial(make_promoter, submission):
    """Factory: make_testimonial(status="pending", promoter=None, **fields) -> Testimonial."""

    def make(status="pending", promoter=None, score=10, **fields):
        promoter = promoter or make_promoter(score=score, name="Hélène Dupré",
                                             company="Lumière Voyages")
        testimonial = services.submit(promoter.customer, submission(**fields), user=promoter)
        if status != "pending":
            testimonial.status = status
            testimonial.decided_at = testimonial.submitted_at
        db.session.commit()
        return testimonial

    return make
