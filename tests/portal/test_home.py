"""The promoter's home: thanks by name, what is new since the last visit, ways in."""

from datetime import timedelta

from ambassador.extensions import db
from ambassador.portal.home import register_home_section
from ambassador.portal.models import PortalVisit
from ambassador.programs.services import ProgramFields, create_program
from ambassador.utils import utcnow
from tests.conftest import PASSWORD


def _program(title, published_days_ago=0, **kw):
    program = create_program(ProgramFields(title=title, status="open", **kw))
    program.published_at = utcnow() - timedelta(days=published_days_ago)
    db.session.commit()
    return program


def _log_in(client, user):
    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302


def test_home_thanks_by_name_and_shows_open_programs(client, make_promoter):
    user = make_promoter(name="Grace Walker")
    _program("Early access: the new reports", seats=5)
    _log_in(client, user)
    html = client.get("/portal").get_data(as_text=True)
    assert "Welcome, Grace" in html
    assert "Thank you for recommending us, Grace." in html
    assert "New for you" in html and "1 new thing is waiting for you below." in html
    assert "Early access: the new reports" in html and "5 seats left of 5" in html
    assert 'href="/programs"' in html  # a way into each part


def test_only_what_appeared_since_the_previous_login_is_new(client, make_promoter):
    user = make_promoter(name="Grace Walker")
    _program("Old beta", published_days_ago=10)
    _log_in(client, user)
    visit = db.session.get(PortalVisit, user.id)
    visit.current_at = utcnow() - timedelta(days=3)  # the last login was three days ago
    db.session.commit()
    _program("Fresh workshop", published_days_ago=1)
    client.post("/logout")
    _log_in(client, user)

    html = client.get("/portal").get_data(as_text=True)
    assert "New since your last visit on" in html
    assert "1 new thing is waiting for you below." in html
    assert html.count("badge-new") == 2  # the section's count and the fresh program's card
    fresh = html.index("Fresh workshop")
    assert "badge-new" in html[fresh - 400:fresh]


def test_showing_the_home_changes_nothing(client, make_promoter):
    user = make_promoter()
    _log_in(client, user)
    before = db.session.get(PortalVisit, user.id).current_at
    client.get("/portal")
    client.get("/portal")
    db.session.expire_all()
    assert db.session.get(PortalVisit, user.id).current_at == before


def test_a_lapsed_ambassador_reads_what_is_paused_and_how_it_comes_back(client, make_promoter,
                                                                       make_response):
    user = make_promoter(10, name="İpek Güneş", language="tr")
    make_response(6, email=user.email)
    _program("Private beta", seats=3)
    _log_in(client, user)
    html = client.get("/portal").get_data(as_text=True)
    assert "Bazı şeyler şimdilik duraklatıldı" in html  # in her language
    assert "Son yanıtınız 6 olduğu için" in html
    assert "9 ya da 10 verdiğiniz anda" in html
    assert "/join" not in html  # never a dead button


def test_features_add_their_own_section(app, client, make_promoter):
    from jinja2 import ChoiceLoader, DictLoader

    calls = []

    def context(user, since):
        calls.append((user.id, since))
        return {"new": 2}

    register_home_section(app, "test-section", "portal/_test_section.html", context, order=99)
    original = app.jinja_env.loader
    try:
        app.jinja_env.loader = ChoiceLoader([
            DictLoader({"portal/_test_section.html": "<p>Offers: {{ ctx.new }} new</p>"}),
            original])
        user = make_promoter()
        _log_in(client, user)
        html = client.get("/portal").get_data(as_text=True)
        assert "<p>Offers: 2 new</p>" in html
        assert "2 new things are waiting for you below." in html
        assert calls == [(user.id, None)]
    finally:
        app.extensions["portal_home_sections"] = [
            s for s in app.extensions["portal_home_sections"] if s.key != "test-section"]
        app.jinja_env.loader = original
