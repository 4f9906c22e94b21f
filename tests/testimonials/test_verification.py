"""The verified-promoter rule, reached from every source of responses (import and API)."""

import json

from ambassador.auth.tokens import create_api_token
from ambassador.extensions import db
from ambassador.testimonials import public
from ambassador.utils import utcnow


def _reload(testimonial):
    db.session.expire_all()
    return db.session.get(type(testimonial), testimonial.id)


def test_an_imported_0_to_6_takes_it_off_at_once_and_queues_it(make_testimonial, runner,
                                                               tmp_path):
    testimonial = make_testimonial(status="approved")
    email = testimonial.customer.email
    assert public.published_testimonials()[0].verified_promoter is True
    path = tmp_path / "q4.csv"
    path.write_text(f"email,score,responded_at\n{email},4,{utcnow().isoformat()}\n")
    result = runner.invoke(args=["nps", "import", str(path)])
    assert result.exit_code == 0, result.output
    testimonial = _reload(testimonial)
    assert testimonial.status == "pending"
    assert testimonial.review_score == 4
    assert public.published_testimonials() == []


def test_an_api_7_or_8_flags_it_but_leaves_it_up(make_testimonial, client):
    testimonial = make_testimonial(status="approved")
    _, secret = create_api_token("Typeform")
    db.session.commit()
    response = client.post("/api/v1/responses",
                           data=json.dumps({"email": testimonial.customer.email, "score": 8}),
                           headers={"Authorization": f"Bearer {secret}"},
                           content_type="application/json")
    assert response.status_code == 201, response.get_data(as_text=True)
    testimonial = _reload(testimonial)
    assert testimonial.status == "approved" and testimonial.review_score == 8
    [shown] = public.published_testimonials()
    assert shown.verified_promoter is False  # the mark follows the latest answer


def test_an_older_answer_arriving_late_changes_nothing(make_testimonial, make_response):
    from datetime import timedelta

    testimonial = make_testimonial(status="approved")
    make_response(score=2, email=testimonial.customer.email,
                  responded_at=utcnow() - timedelta(days=400))
    testimonial = _reload(testimonial)
    assert testimonial.status == "approved" and testimonial.review_score is None


def test_a_new_9_or_10_keeps_it_verified_and_unflagged(make_testimonial, make_response):
    testimonial = make_testimonial(status="approved", score=9)
    make_response(score=10, email=testimonial.customer.email)
    testimonial = _reload(testimonial)
    assert testimonial.status == "approved" and testimonial.review_score is None
    assert public.published_testimonials()[0].verified_promoter is True


def test_approving_after_review_clears_the_flag(make_testimonial, make_response, make_user):
    from ambassador.testimonials import moderation

    testimonial = make_testimonial(status="approved")
    make_response(score=3, email=testimonial.customer.email)
    testimonial = _reload(testimonial)
    moderation.approve(testimonial, make_user("marketer"))
    db.session.commit()
    testimonial = _reload(testimonial)
    assert testimonial.status == "approved" and testimonial.review_score is None
    assert public.published_testimonials()[0].verified_promoter is False
