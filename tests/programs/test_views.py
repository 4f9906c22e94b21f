"""Promoter pages: the list, a program's page, join and leave, the calendar file, feedback."""

from datetime import timedelta

from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.programs import feedback
from ambassador.programs.enrollment import join
from ambassador.programs.models import Enrollment
from ambassador.utils import utcnow


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Enrollment))


def test_an_active_ambassador_sees_open_programs_and_joins_one(client, make_program,
                                                               make_promoter, login):
    program = make_program(title="Bêta du tableau de bord", seats=5)
    make_program(title="Brouillon secret", status="draft")
    login(make_promoter())

    listing = client.get("/programs").get_data(as_text=True)
    assert "Bêta du tableau de bord" in listing and "5 seats left of 5" in listing
    assert "Brouillon secret" not in listing

    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "Join the program" in page
    response = client.post(f"/programs/{program.id}/join")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/programs/{program.id}"
    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "You are in! Your seat is saved." in page
    assert "4 seats left of 5" in page
    assert "Leave this program" in page

    again = client.post(f"/programs/{program.id}/join")  # a double click
    assert again.status_code == 303 and _count() == 1
    assert "You had already joined" in client.get(f"/programs/{program.id}").get_data(
        as_text=True)


def test_a_draft_is_not_found_for_promoters(client, make_program, make_promoter, login):
    program = make_program(status="draft")
    login(make_promoter())
    assert client.get(f"/programs/{program.id}").status_code == 404
    assert client.post(f"/programs/{program.id}/join").status_code == 404
    assert client.get("/programs/2147483648").status_code == 404


def test_a_lapsed_ambassador_gets_a_kind_explanation_and_no_button(client, make_program,
                                                                   make_promoter,
                                                                   make_response, login):
    program = make_program(seats=5)
    user = make_promoter(10)
    make_response(7, email=user.email)
    login(user)
    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "Joining is paused for now." in page
    assert "rate us 9 or 10" in page
    assert "/join" not in page  # never a dead button
    listing = client.get("/programs").get_data(as_text=True)
    assert "Joining is paused for now." in listing

    response = client.post(f"/programs/{program.id}/join")
    assert response.status_code == 403
    assert "paused while your latest answer is below 9" in response.get_data(as_text=True)
    assert "Nothing was recorded" in response.get_data(as_text=True)
    assert _count() == 0


def test_a_marketer_posting_join_gets_403_and_nothing_is_recorded(client, make_program,
                                                                  make_user, login):
    program = make_program(seats=5)
    login(make_user("marketer"))
    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "Marketers and admins do not join programs" in page
    response = client.post(f"/programs/{program.id}/join")
    assert response.status_code == 403
    assert "cannot join them" in response.get_data(as_text=True)
    assert _count() == 0


def test_a_full_program_offers_the_waiting_list_then_the_seat(client, make_program,
                                                              make_promoter, login, outbox):
    program = make_program(seats=1)
    holder = make_promoter()
    join(program.id, holder)
    db.session.commit()
    waiting = login(make_promoter(email="grace@example.com"))

    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "Every seat is taken" in page and "Join the waiting list" in page
    full = client.post(f"/programs/{program.id}/join")
    assert full.status_code == 303 and _count() == 1  # no waitlist asked: nothing recorded
    client.post(f"/programs/{program.id}/join", data={"waitlist": "1"})
    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "You are number 1 on the waiting list" in page

    from ambassador.programs.enrollment import leave
    leave(program.id, holder)
    db.session.commit()
    assert "You are in!" in client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert len(outbox(to=waiting.email)) == 1


def test_leaving_frees_the_seat(client, make_program, make_promoter, login):
    program = make_program(seats=2)
    login(make_promoter())
    client.post(f"/programs/{program.id}/join")
    response = client.post(f"/programs/{program.id}/leave")
    assert response.status_code == 303 and _count() == 0
    assert "2 seats left of 2" in client.get(f"/programs/{program.id}").get_data(as_text=True)


def test_an_event_gives_its_calendar_file(client, make_program, make_promoter, login):
    start = (utcnow() + timedelta(days=20)).replace(hour=13, minute=0, second=0, microsecond=0)
    program = make_program(title="Atelier produit", kind="event", seats=10, starts_at=start,
                           ends_at=start + timedelta(hours=2), timezone="Europe/Paris")
    login(make_promoter())
    client.post(f"/programs/{program.id}/join")
    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "Add to my calendar (.ics)" in page and "(Europe/Paris)" in page

    response = client.get(f"/programs/{program.id}/event.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True).replace("\r\n ", "")
    local = start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert f"DTSTART;TZID=Europe/Paris:{local:%Y%m%dT%H%M%S}" in text
    assert "SUMMARY:Atelier produit" in text
    assert f"URL:http://ambassador.test/programs/{program.id}" in text
    assert client.get(f"/programs/{make_program().id}/event.ics").status_code == 404


def test_enrollees_answer_feedback_and_a_bad_rating_loses_nothing(client, make_program,
                                                                  make_promoter, login):
    program = make_program()
    rating = feedback.add_question(program.id, "rating", "How useful was the beta?")
    text = feedback.add_question(program.id, "short", "One word for it?")
    db.session.commit()
    user = login(make_promoter())
    assert "How useful was the beta?" not in client.get(
        f"/programs/{program.id}").get_data(as_text=True)  # not enrolled yet
    client.post(f"/programs/{program.id}/join")
    assert "How useful was the beta?" in client.get(
        f"/programs/{program.id}").get_data(as_text=True)

    bad = client.post(f"/programs/{program.id}/feedback",
                      data={f"q{rating.id}": "9", f"q{text.id}": "Super"})
    assert bad.status_code == 303
    assert "choose a rating from 1 to 5" in client.get(
        f"/programs/{program.id}").get_data(as_text=True)
    client.post(f"/programs/{program.id}/feedback",
                data={f"q{rating.id}": "5", f"q{text.id}": "Super"})
    assert {a.rating or a.text for a in feedback.answers_of(program.id, user).values()} == {
        5, "Super"}


def test_a_french_ambassador_reads_the_program_in_french(client, make_program, make_promoter,
                                                         login):
    program = make_program(title="Bêta privée", seats=3)
    login(make_promoter(language="fr"))
    listing = client.get("/programs").get_data(as_text=True)
    assert "Programmes et événements" in listing and "3 places restantes sur 3" in listing
    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "Rejoindre le programme" in page
    client.post(f"/programs/{program.id}/join")
    assert "Vous êtes inscrit ! Votre place est réservée." in client.get(
        f"/programs/{program.id}").get_data(as_text=True)
