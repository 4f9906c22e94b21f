"""Fixtures for widgets: published testimonials and widgets built as a marketer would."""

import pytest

from ambassador.extensions import db
from ambassador.testimonials import services as testimonials
from ambassador.testimonials.models import SCOPES
from ambassador.widgets import services

SETTINGS = {"name": "Home page", "enabled": True, "selection": "all", "tags": [],
            "min_rating": 1, "languages": [], "picked": [], "shown": 9, "layout": "grid",
            "theme": "light", "accent": "#4f46e5", "radius": 12, "font": "system",
            "show_photo": True, "show_rating": True, "show_date": True, "show_verified": True,
            "language": "en", "allowed_domains": [], "product_name": "", "product_type": ""}


@pytest.fixture(autouse=True)
def _fresh_cache():
    services.forget_all()
    yield
    services.forget_all()


@pytest.fixture
def publish(make_promoter):
    """Factory: publish(body=…, rating=5, status="approved", consents=…) -> Testimonial."""
    counter = iter(range(1, 10_000))

    def make(body="Fast answers, every time, from people who care.", rating=5,
             status="approved", score=10,
             language="en", consents=None, **fields):
        n = next(counter)
        promoter = make_promoter(score=score, email=f"author{n}@example.com",
                                 name=f"Author {n}", company="Northwind")
        given = dict.fromkeys(SCOPES, True)
        given.update(consents or {})
        submission = testimonials.Submission(
            body=body, rating=rating, author_name=f"Author {n}",
            author_title="Buyer, Northwind", language=language, consents=given, **fields)
        testimonial = testimonials.submit(promoter.customer, submission, user=promoter)
        if status != "pending":
            testimonial.status = status
            testimonial.decided_at = testimonial.submitted_at
        db.session.commit()
        return testimonial

    return make


@pytest.fixture
def make_widget():
    """Factory: make_widget(key="demo", **settings) -> Widget."""

    def make(key=None, **settings):
        widget = services.create_widget({**SETTINGS, **settings}, key=key)
        db.session.commit()
        return widget

    return make
