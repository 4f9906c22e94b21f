"""`demo load` shows a living testimonials section: published, pending, candidates."""

from ambassador.demo import load_demo
from ambassador.extensions import db
from ambassador.testimonials import public, requests
from ambassador.testimonials.moderation import counts


def test_demo_has_published_testimonials_in_three_languages(app):
    load_demo()
    db.session.commit()
    published = public.published_testimonials()
    assert len(published) >= 6
    assert {p.language for p in published} == {"en", "fr", "tr"}
    assert sum(1 for p in published if p.photo_url) >= 2
    assert all(p.author_name and 3 <= p.rating <= 5 for p in published)
    assert all(p.verified_promoter for p in published)
    assert counts()["pending"] >= 3
    found, _more = requests.candidates()
    assert len(found) >= 3
