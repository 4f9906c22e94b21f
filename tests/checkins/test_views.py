"""The marketers' check-in page: upcoming and past rounds, response rates, pause and resume."""

from sqlalchemy import select

from ambassador.audit.models import AuditEntry
from ambassador.checkins import services
from ambassador.extensions import db
from ambassador.utils import utcnow
from tests.checkins.conftest import links_of


def test_the_page_shows_what_is_due_and_each_round_with_its_rate(client, login, make_user,
                                                                make_ambassador, send_due,
                                                                outbox):
    people = [make_ambassador(days=100, now=utcnow()) for _ in range(4)]
    make_ambassador(days=10, now=utcnow())
    login(make_user("marketer"))
    page = client.get("/dashboard/checkins").get_data(as_text=True)
    assert "No check-in has been sent yet." in page
    send_due(utcnow())
    client.post(links_of(outbox(people[0].email)[0])[10], data={"comment": ""})
    page = client.get("/dashboard/checkins").get_data(as_text=True)
    assert "25.0%" in page  # 1 of 4 answered
    assert services.count_due(utcnow()) == 0


def test_pausing_stops_send_due_and_is_audited(client, login, make_user, make_ambassador,
                                               runner):
    make_ambassador(days=100, now=utcnow())
    marketer = login(make_user("marketer"))
    response = client.post("/dashboard/checkins/pause", data={"paused": "1"},
                           follow_redirects=True)
    assert "Check-ins are paused" in response.get_data(as_text=True)
    assert "Resume check-ins" in response.get_data(as_text=True)
    result = runner.invoke(args=["checkins", "send-due"])
    assert result.output.strip().splitlines()[-1] == "queued 0 check-ins, 0 reminders, held back 0"
    client.post("/dashboard/checkins/pause", data={"paused": "0"})
    result = runner.invoke(args=["checkins", "send-due"])
    assert result.output.strip() == "queued 1 check-ins, 0 reminders, held back 0"
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor_id == marketer.id).order_by(AuditEntry.id)).all()
    assert actions == ["checkins.paused", "checkins.resumed"]


def test_promoters_cannot_see_or_pause_the_rounds(client, login, make_promoter):
    login(make_promoter())
    assert client.get("/dashboard/checkins").status_code == 403
    assert client.post("/dashboard/checkins/pause", data={"paused": "1"}).status_code == 403
    assert not services.is_paused()
