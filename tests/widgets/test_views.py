"""The widget builder: marketers create and edit widgets; bad settings are explained."""

import re

from sqlalchemy import func, select

from ambassador.audit.models import AuditEntry
from ambassador.extensions import db
from ambassador.widgets.models import Widget

FORM = {"name": "Pricing page", "enabled": "y", "selection": "all", "min_rating": "4",
        "shown": "6", "layout": "carousel", "theme": "dark", "accent": "#ff6600",
        "radius": "8", "font": "inherit", "show_photo": "y", "show_rating": "y",
        "language": "fr", "product_type": ""}


def test_a_marketer_creates_a_widget_and_gets_its_embed_code(client, make_user, login):
    login(make_user("marketer"))
    response = client.post("/dashboard/widgets/new", data=FORM)
    assert response.status_code == 303
    widget = db.session.scalar(select(Widget))
    assert (widget.layout, widget.theme, widget.language, widget.shown) == (
        "carousel", "dark", "fr", 6)
    assert widget.show_date is False  # unticked
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'&lt;div data-ambassador-widget=&#34;{widget.key}&#34;&gt;&lt;/div&gt;' in page
    assert "/widget.js&#34; async&gt;&lt;/script&gt;" in page
    assert f"/widgets/{widget.key}/embed" in page
    assert db.session.scalar(select(AuditEntry.action)) == "widget.created"


def test_bad_settings_are_refused_with_a_message(client, make_user, login):
    login(make_user("marketer"))
    # each message shows under the field it is about
    cases = [({"name": "  "}, "name", "Give the widget a name."),
             ({"accent": "red;}body{display:none"}, "accent", "#4f46e5"),
             ({"selection": "tag"}, "tags", "Name at least one tag"),
             ({"allowed_domains": "javascript:alert(1)"}, "allowed_domains",
              "is not a domain name"),
             ({"picked": "1, two", "selection": "picked"}, "picked", "is not a testimonial number"),
             ({"languages": "de", "selection": "language"}, "languages", "is not one of en"),
             ({"selection": "language"}, "languages", "Choose at least one language"),
             ({"product_type": "Product"}, "product_name", "Name the product"),
             ({"layout": "<script>"}, "layout", "Not a valid choice")]
    for change, field, message in cases:
        response = client.post("/dashboard/widgets/new", data={**FORM, **change})
        assert response.status_code == 400, change
        html = response.get_data(as_text=True)
        shown = re.findall(r'<p class="error" id="([a-z_]+)-error">([^<]*)</p>', html)
        assert len(shown) == 1 and shown[0][0] == field and message in shown[0][1], (change, shown)
    assert db.session.scalar(select(func.count()).select_from(Widget)) == 0


def test_editing_saves_and_the_preview_reflects_unsaved_settings(client, make_user, login,
                                                                  make_widget, publish):
    publish(rating=3)
    widget = make_widget(key="demo")
    login(make_user("marketer"))
    preview = client.get(f"/dashboard/widgets/{widget.id}/preview.json",
                         query_string={**FORM, "layout": "badge", "selection": "rating",
                                       "min_rating": "4"})
    data = preview.get_json()
    assert data["widget"]["layout"] == "badge" and data["testimonials"] == []
    db.session.expire_all()
    assert db.session.get(Widget, widget.id).layout == "grid"  # a GET saves nothing
    response = client.post(f"/dashboard/widgets/{widget.id}", data={**FORM, "name": "Renamed"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Widget, widget.id).name == "Renamed"


def test_deleting_a_widget_silences_its_code(client, make_user, login, make_widget, publish):
    publish()
    widget = make_widget(key="demo")
    login(make_user("marketer"))
    assert client.post(f"/dashboard/widgets/{widget.id}/delete").status_code == 303
    assert client.get("/api/v1/widgets/demo").status_code == 404


def test_promoters_cannot_build_widgets(client, make_promoter, login):
    login(make_promoter())
    assert client.get("/dashboard/widgets").status_code == 403
    assert client.post("/dashboard/widgets/new", data=FORM).status_code == 403
