"""The follow-up pages: the list and its filters, a task's page, its actions, the accounts page."""

from sqlalchemy import select

from ambassador.checkins.followup_models import FollowUp
from ambassador.extensions import db
from tests.conftest import utc


def _task(email):
    from ambassador.nps.models import Customer

    return db.session.scalar(select(FollowUp).join(Customer).where(Customer.email == email))


def test_the_list_shows_unhappy_people_and_filters_them(client, login, make_user,
                                                      make_response):
    login(make_user("marketer"))
    make_response(score=2, email="zoe@acme.example", company="Acme", name="Zoé Martin")
    make_response(score=5, email="lea@globex.example", company="Globex")
    make_response(score=10, email="happy@acme.example", company="Acme")
    html = client.get("/dashboard/follow-ups").get_data(as_text=True)
    assert "Zoé Martin" in html and "lea@globex.example" in html
    assert "happy@acme.example" not in html
    html = client.get("/dashboard/follow-ups?company=Acme").get_data(as_text=True)
    assert "Zoé Martin" in html and "lea@globex.example" not in html
    html = client.get("/dashboard/follow-ups?q=LEA").get_data(as_text=True)
    assert "lea@globex.example" in html and "Zoé Martin" not in html
    html = client.get("/dashboard/follow-ups?show=resolved").get_data(as_text=True)
    assert "Zoé Martin" not in html
    # unknown filter values fall back to the defaults instead of failing
    assert client.get("/dashboard/follow-ups?show=<script>&owner=x&page=-3").status_code == 200


def test_a_task_page_shows_the_score_history_and_comments(client, login, make_user,
                                                         make_response):
    login(make_user("marketer"))
    make_response(score=9, email="sam@example.com", comment="Great start",
                  responded_at=utc(2026, 1, 5))
    make_response(score=3, email="sam@example.com", comment="<b>Broken</b> invoices",
                  responded_at=utc(2026, 3, 5))
    html = client.get(f"/dashboard/follow-ups/{_task('sam@example.com').id}").get_data(
        as_text=True)
    assert "Great start" in html and "&lt;b&gt;Broken&lt;/b&gt; invoices" in html
    assert "<b>Broken</b>" not in html
    assert html.index("Broken") < html.index("Great start")  # newest first


def test_owner_status_note_and_reply_are_saved_and_shown(client, login, make_user,
                                                       make_response, outbox):
    marketer = login(make_user("marketer", name="Margaux"))
    make_response(score=1, email="tim@example.com", name="Tim")
    task_id = _task("tim@example.com").id
    url = f"/dashboard/follow-ups/{task_id}"
    response = client.post(url + "/update", data={"owner": str(marketer.id),
                                                  "status": "contacted"})
    assert response.status_code == 303
    assert client.post(url + "/note", data={"body": "Called him, voicemail"}).status_code == 303
    assert client.post(url + "/reply", data={"body": "Invoices are fixed."}).status_code == 303
    html = client.get(url).get_data(as_text=True)
    assert "Called him, voicemail" in html and "Invoices are fixed." in html
    assert [m.kind for m in outbox("tim@example.com")] == ["follow_up_reply"]
    assert client.post(url + "/update", data={"owner": "", "status": "resolved"}
                       ).status_code == 303
    task = _task("tim@example.com")
    assert (task.status, task.owner_id, task.open_customer_id) == ("resolved", None, None)


def test_bad_input_gets_a_clear_4xx(client, login, make_user, make_promoter, make_response):
    login(make_user("marketer"))
    promoter = make_promoter()
    make_response(score=1, email="tim@example.com")
    url = f"/dashboard/follow-ups/{_task('tim@example.com').id}"
    assert client.post(url + "/update", data={"owner": str(promoter.id), "status": "open"}
                       ).status_code == 400
    assert client.post(url + "/update", data={"owner": "99999999999", "status": "open"}
                       ).status_code == 400
    assert client.post(url + "/update", data={"status": "lost"}).status_code == 400
    assert client.post(url + "/note", data={"body": "   "}).status_code == 400
    assert client.post(url + "/reply", data={"body": "x" * 5001}).status_code == 400
    assert client.get("/dashboard/follow-ups/999999").status_code == 404


def test_the_accounts_page_shows_each_companys_open_tasks(client, login, make_user,
                                                        make_response):
    login(make_user("marketer"))
    for i in range(2):
        make_response(score=3, email=f"a{i}@acme.example", company="Acme")
    make_response(score=10, email="g@globex.example", company="Globex")
    html = client.get("/dashboard/accounts").get_data(as_text=True)
    assert "Open follow-ups" in html
    assert '<a href="/dashboard/follow-ups?company=Acme">2</a>' in html


def test_marketers_opt_in_to_the_digest(client, login, make_user):
    from ambassador.checkins.digest import is_subscribed

    marketer = login(make_user("marketer"))
    assert client.post("/dashboard/follow-ups/digest",
                       data={"weekly_digest": "y"}).status_code == 303
    assert is_subscribed(marketer)
    assert 'checked' in client.get("/dashboard/follow-ups/digest").get_data(as_text=True)
    client.post("/dashboard/follow-ups/digest", data={})
    assert not is_subscribed(marketer)
