"""Marketer pages: create, edit, close; the enrollment list and its CSV; messages; feedback."""

import csv
import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from ambassador.audit.models import AuditEntry
from ambassador.extensions import db
from ambassador.programs import feedback
from ambassador.programs.enrollment import join
from ambassador.programs.models import Program, ProgramCover

FORM = {"title": "Atelier produit", "description": "Venez **tester**.", "kind": "event",
        "status": "open", "seats": "12", "timezone": "Europe/Paris",
        "starts_at": "2027-03-30T14:00", "ends_at": "2027-03-30T16:00", "place": "Paris"}


def _png(size=(1200, 500)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, format="PNG")
    return out.getvalue()


def test_a_marketer_creates_an_event_in_its_time_zone(client, make_user, login):
    login(make_user("marketer"))
    data = dict(FORM, cover=(io.BytesIO(_png()), "cover.png"))
    response = client.post("/dashboard/programs/new", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    program = db.session.scalar(select(Program))
    assert program.starts_at.isoformat() == "2027-03-30T12:00:00+00:00"  # 14:00 CEST
    assert (program.seats, program.status, program.published_at is not None) == (12, "open",
                                                                                 True)
    cover = db.session.get(ProgramCover, program.id)
    assert cover.data[8:12] == b"WEBP" and (cover.width, cover.height) == (1200, 500)
    assert db.session.scalar(select(AuditEntry.action)) == "program.created"
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Atelier produit" in detail and "(Europe/Paris)" in detail
    edit = client.get(f"/dashboard/programs/{program.id}/edit").get_data(as_text=True)
    assert 'value="2027-03-30T14:00"' in edit


def test_bad_input_keeps_what_was_typed_and_says_why(client, make_user, login, monkeypatch):
    login(make_user("marketer"))
    cases = [
        (dict(FORM, ends_at="2027-03-30T13:00"), "The event must end after it starts."),
        (dict(FORM, seats="0"), "Seats must be at least 1"),
        (dict(FORM, seats="-4"), "Seats must be at least 1"),
        (dict(FORM, seats="lots"), "Seats must be a whole number"),
        (dict(FORM, timezone="Nowhere/Land"), "Choose one of the options."),
        (dict(FORM, starts_at="not a date"), "Not a valid datetime value"),
    ]
    for data, message in cases:
        response = client.post("/dashboard/programs/new", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, data
        assert message in html, message
        assert 'value="Atelier produit"' in html
    from ambassador.programs import covers, manage

    # A 1 kB limit stands for the real 5 MB one (tested in test_services without a request).
    monkeypatch.setattr(covers, "MAX_BYTES", 1024)
    monkeypatch.setattr(manage, "MAX_BYTES", 1024)
    huge = dict(FORM, cover=(io.BytesIO(_png((2000, 2000))), "big.png"))
    response = client.post("/dashboard/programs/new", data=huge,
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "MB: a cover has at most" in response.get_data(as_text=True)
    fake = dict(FORM, cover=(io.BytesIO(b"<html><script>alert(1)</script>"), "x.png"))
    response = client.post("/dashboard/programs/new", data=fake,
                           content_type="multipart/form-data")
    assert "not a JPEG, PNG or WebP" in response.get_data(as_text=True)
    assert db.session.scalar(select(Program)) is None


def test_seats_edited_below_those_taken_are_refused_with_the_numbers(client, make_program,
                                                                     make_promoter,
                                                                     make_user, login):
    program = make_program(title="Private beta", seats=4)
    for _ in range(3):
        join(program.id, make_promoter())
    db.session.commit()
    login(make_user("marketer"))
    response = client.post(f"/dashboard/programs/{program.id}/edit",
                           data={"title": "Private beta", "kind": "early_access",
                                 "status": "open", "seats": "2", "timezone": "UTC"})
    assert response.status_code == 400
    assert "3 people already hold a seat: seats cannot go below 3 (you asked for 2)." in (
        response.get_data(as_text=True))
    assert db.session.get(Program, program.id).seats == 4


def test_closing_and_reopening(client, make_program, make_user, login):
    program = make_program()
    login(make_user("marketer"))
    assert client.post(f"/dashboard/programs/{program.id}/status/closed").status_code == 303
    assert db.session.get(Program, program.id, populate_existing=True).status == "closed"
    assert "Open the program" in client.get(f"/dashboard/programs/{program.id}").get_data(
        as_text=True)
    client.post(f"/dashboard/programs/{program.id}/status/open")
    assert db.session.get(Program, program.id, populate_existing=True).status == "open"


def test_the_enrollment_list_and_its_csv(client, make_program, make_promoter, make_user,
                                         login):
    program = make_program(seats=1)
    join(program.id, make_promoter(email="helene@example.fr", name="Hélène Dupré",
                                   company="=HYPERLINK(1)", language="fr"))
    join(program.id, make_promoter(email="sukru@example.com.tr", name="Şükrü Yılmaz"),
         waitlist=True)
    db.session.commit()
    login(make_user("marketer"))
    page = client.get(f"/dashboard/programs/{program.id}").get_data(as_text=True)
    assert "helene@example.fr" in page and "Waiting, number 1" in page

    response = client.get(f"/dashboard/programs/{program.id}/enrollments.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["email"], r["status"], r["place_in_line"]) for r in rows] == [
        ("helene@example.fr", "enrolled", ""), ("sukru@example.com.tr", "waiting", "1")]
    assert rows[0]["company"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert rows[0]["name"] == "Hélène Dupré"


def test_messages_go_to_each_enrollee_in_their_language(client, make_program, make_promoter,
                                                        make_user, login, outbox):
    program = make_program(title="Conseil clients")
    join(program.id, make_promoter(email="helene@example.fr", language="fr"))
    join(program.id, make_promoter(email="grace@example.com", language="en"))
    db.session.commit()
    login(make_user("marketer"))
    empty = client.post(f"/dashboard/programs/{program.id}/message",
                        data={"subject": "", "body": "Le programme change d'horaire."})
    assert empty.status_code == 400
    assert "Le programme change d&#39;horaire." in empty.get_data(as_text=True)  # kept
    assert outbox() == []
    response = client.post(f"/dashboard/programs/{program.id}/message",
                           data={"subject": "Nouvel horaire",
                                 "body": "Rendez-vous à 15 h.\n\n<b>Merci</b>"})
    assert response.status_code == 303
    mails = outbox()
    assert sorted(m.to_addr for m in mails) == ["grace@example.com", "helene@example.fr"]
    assert all(m.subject == "Nouvel horaire" for m in mails)
    assert all("Rendez-vous à 15 h." in m.body_text for m in mails)
    assert all("&lt;b&gt;Merci&lt;/b&gt;" in m.body_html for m in mails)
    french = next(m for m in mails if m.to_addr == "helene@example.fr")
    assert "parce que vous avez rejoint l’un de nos programmes." in french.body_text
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == (
        "program.messaged")


def test_feedback_questions_answers_and_their_csv(client, make_program, make_promoter,
                                                  make_user, login):
    program = make_program()
    login(make_user("marketer"))
    client.post(f"/dashboard/programs/{program.id}/questions",
                data={"prompt": "How useful was it?", "kind": "rating"})
    client.post(f"/dashboard/programs/{program.id}/questions",
                data={"prompt": "What would you change?", "kind": "long"})
    bad = client.post(f"/dashboard/programs/{program.id}/questions",
                      data={"prompt": "x" * 400, "kind": "short"})
    assert bad.status_code == 400 and "at most 300 characters" in bad.get_data(as_text=True)
    rating, change = feedback.questions(program.id)
    user = make_promoter(name="Grace Walker")
    join(program.id, user)
    feedback.save_answers(program.id, user, {rating.id: "4", change.id: "=cmd|' /C calc'!A0"})
    db.session.commit()

    page = client.get(f"/dashboard/programs/{program.id}").get_data(as_text=True)
    assert "4.0" in page and "1 answer" in page
    text = client.get(f"/dashboard/programs/{program.id}/feedback.csv").get_data().decode()
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["question"], r["rating"], r["answer"]) for r in rows] == [
        ("How useful was it?", "4", ""), ("What would you change?", "", "'=cmd|' /C calc'!A0")]


def test_an_event_next_month_in_the_list(client, make_program, make_user, login):
    make_program(title="Customer council", kind="event",
                 starts_at=__import__("ambassador.utils").utils.utcnow() + timedelta(days=30))
    login(make_user("marketer"))
    page = client.get("/dashboard/programs").get_data(as_text=True)
    assert "Customer council" in page and "Event" in page
