"""The one-click answer: GET changes nothing, the POST records an NPS response, once."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ambassador.checkins.models import CheckIn
from ambassador.extensions import db
from ambassador.mail.unsubscribe import read_token
from ambassador.nps.models import Customer, Response
from ambassador.nps.rules import quarter_of
from ambassador.nps.scores import quarter_score
from ambassador.utils import utcnow
from tests.checkins.conftest import links_of


def _mail_to(make_ambassador, send_due, outbox, **kw):
    person = make_ambassador(days=100, now=utcnow(), **kw)
    send_due(utcnow())
    [mail] = outbox(person.email)
    return person, links_of(mail)


@pytest.mark.parametrize("language, question, team, subject", [
    ("en", "How likely are you to recommend us to a friend or colleague?", "The team",
     "A quick question for you: one click is all it takes"),
    ("fr", "Quelle est la probabilité que vous nous recommandiez à un ami ou à un collègue ?",
     "L’équipe", "Une petite question pour vous : un clic suffit")])
def test_without_a_company_name_the_mail_says_us(app, monkeypatch, make_ambassador, send_due,
                                                 outbox, language, question, team, subject):
    monkeypatch.setitem(app.config, "COMPANY_NAME", "")
    person = make_ambassador(days=100, now=utcnow(), language=language)
    send_due(utcnow())
    [mail] = outbox(person.email)
    assert question in mail.body_text and team in mail.body_text
    assert mail.subject == subject
    assert "our company" not in mail.body_text + mail.body_html + mail.subject


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_mail_has_eleven_coloured_buttons_and_the_same_links_in_text(make_ambassador,
                                                                        send_due, outbox):
    person, links = _mail_to(make_ambassador, send_due, outbox, name="Hélène Dupré")
    [mail] = outbox(person.email)
    assert sorted(links) == list(range(11))
    assert "How likely are you to recommend Acme to a friend or colleague?" in mail.body_text
    assert "Hello Hélène," in mail.body_text
    for _score, link in links.items():
        assert f'href="http://ambassador.test{link}"' in mail.body_html
    assert mail.body_html.count("background:#d93025") == 7  # 0-6 red
    assert mail.body_html.count("background:#f9ab00") == 2  # 7-8 yellow
    assert mail.body_html.count("background:#188038") == 2  # 9-10 green
    assert "/unsubscribe/" in mail.body_text and "One-Click" in mail.headers
    [unsubscribe] = re.findall(r"http://ambassador\.test/unsubscribe/(\S+)", mail.body_text)
    assert read_token(unsubscribe) == (person.email, "en")  # this person's own link
    assert f"/unsubscribe/{unsubscribe}" in mail.body_html and unsubscribe in mail.headers


def test_names_are_escaped_in_the_html_part(make_ambassador, send_due, outbox):
    person, _links = _mail_to(make_ambassador, send_due, outbox, name="<b>Bob</b> Smith")
    [mail] = outbox(person.email)
    assert "Hello <b>Bob</b>," in mail.body_text
    assert "&lt;b&gt;Bob&lt;/b&gt;" in mail.body_html and "<b>Bob" not in mail.body_html


def test_the_mail_speaks_the_persons_language(make_ambassador, send_due, outbox):
    person, _links = _mail_to(make_ambassador, send_due, outbox, language="fr")
    [mail] = outbox(person.email)
    assert "que vous recommandiez Acme" in mail.body_text


def test_opening_a_link_changes_nothing(client, make_ambassador, send_due, outbox):
    _person, links = _mail_to(make_ambassador, send_due, outbox)
    before = (_count(Response), db.session.scalar(select(CheckIn.answered_at)))
    for score in (0, 7, 10):
        page = client.get(links[score])
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert f"Your answer: {score} out of 10." in text
        assert "Send my answer" in text
    assert (_count(Response), db.session.scalar(select(CheckIn.answered_at))) == before


def test_each_segment_asks_its_own_question_and_thanks_its_own_way(client, make_ambassador,
                                                                   send_due, outbox):
    _person, links = _mail_to(make_ambassador, send_due, outbox)
    questions = {10: "What do you like most", 8: "What would make it a 10?",
                 3: "What went wrong?"}
    for score, question in questions.items():
        assert question in client.get(links[score]).get_data(as_text=True)
    thanks = {10: "Write a testimonial", 8: "works on what comes up most",
              3: "reply to you personally"}
    for score, text in thanks.items():
        page = client.post(links[score], data={"comment": "Honest words"}, follow_redirects=True)
        assert page.status_code == 200
        assert text in page.get_data(as_text=True)


def test_an_answer_is_an_nps_response_and_the_figures_move_at_once(client, make_ambassador,
                                                                   send_due, outbox, runner):
    person, links = _mail_to(make_ambassador, send_due, outbox)
    quarter_before = quarter_score(quarter_of(utcnow()))
    response = client.post(links[3], data={"comment": "The export broke"})
    assert response.status_code == 303
    db.session.expire_all()
    [answer] = db.session.scalars(select(Response).where(Response.source == "checkin")).all()
    assert (answer.score, answer.comment, answer.customer_id) == (3, "The export broke", person.id)
    assert db.session.get(Customer, person.id).status == "lapsed"  # was active
    after = quarter_score(quarter_of(utcnow()))
    assert after.n == quarter_before.n + 1 and after.detractors == quarter_before.detractors + 1
    score = runner.invoke(args=["nps", "score"])
    assert "detractors=1" in score.output


def test_a_later_score_from_the_same_mail_replaces_the_answer(client, make_ambassador,
                                                               send_due, outbox):
    person, links = _mail_to(make_ambassador, send_due, outbox)
    client.post(links[4], data={"comment": "Slow"})
    client.post(links[9], data={"comment": "Actually it got better"})
    client.post(links[9], data={"comment": "Actually it got better"})  # a double submit
    db.session.expire_all()
    answers = db.session.scalars(select(Response).where(Response.source == "checkin")).all()
    assert [(a.score, a.comment) for a in answers] == [(9, "Actually it got better")]
    assert db.session.get(Customer, person.id).status == "active"
    summary = quarter_score(quarter_of(utcnow()))
    assert (summary.promoters, summary.detractors) >= (1, 0) and summary.detractors == 0


def test_expired_forged_and_unknown_links_get_a_clear_page(client, make_ambassador, send_due,
                                                           outbox):
    person = make_ambassador(days=100, language="fr", now=utcnow() - timedelta(days=31))
    send_due(utcnow() - timedelta(days=31))
    [mail] = outbox(person.email)
    expired = links_of(mail)[10]
    page = client.get(expired)
    assert page.status_code == 410
    assert "lang=\"fr\"" in page.get_data(as_text=True)  # in the person's language
    assert client.post(expired, data={"comment": "late"}).status_code == 410
    token = expired.split("/")[2]
    forged = f"/c/{token[:-3]}abc/10"
    for bad in (forged, "/c/nonsense/10", "/c/" + "x" * 300 + "/10"):
        page = client.get(bad)
        assert page.status_code == 404
        assert "This link is not valid" in page.get_data(as_text=True)
    assert client.get(f"/c/{token}/11").status_code == 404
    assert _count(Response) == 1  # only the original answer of the fixture


def test_a_checkin_that_was_deleted_is_an_unknown_link(client, make_ambassador, send_due, outbox):
    _person, links = _mail_to(make_ambassador, send_due, outbox)
    db.session.execute(CheckIn.__table__.delete())
    db.session.commit()
    assert client.get(links[10]).status_code == 404


def test_the_promoter_writes_a_testimonial_with_the_comment_prefilled(client, make_ambassador,
                                                                     send_due, outbox):
    _person, links = _mail_to(make_ambassador, send_due, outbox)
    client.post(links[10], data={"comment": "The best support team I know"})
    token = links[10].split("/")[2]
    response = client.post(f"/c/{token}/testimonial")
    assert response.status_code == 303 and "/quote/" in response.headers["Location"]
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The best support team I know" in form


def test_a_detractor_cannot_open_the_testimonial_page(client, make_ambassador, send_due, outbox):
    _person, links = _mail_to(make_ambassador, send_due, outbox)
    client.post(links[2], data={"comment": "No"})
    token = links[2].split("/")[2]
    assert client.post(f"/c/{token}/testimonial").status_code == 403


def test_a_huge_or_invisible_comment_is_refused_with_a_message(client, make_ambassador,
                                                               send_due, outbox):
    _person, links = _mail_to(make_ambassador, send_due, outbox)
    page = client.post(links[5], data={"comment": "x" * 10_001})
    assert page.status_code == 400
    assert _count(Response) == 1
    page = client.post(links[5], data={"comment": "<script>alert(1)</script>"},
                       follow_redirects=True)
    assert page.status_code == 200 and "<script>alert(1)" not in page.get_data(as_text=True)
