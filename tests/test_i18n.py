"""Which language a page is served in, the switcher, the account setting, formats and casing."""

import io
import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import FileStorage

from ambassador import i18n
from ambassador.auth import services as accounts
from ambassador.auth import tokens
from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.utils import normalise_email


def lang_of(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))[1]


def saved_language(user) -> str | None:
    return db.session.get(User, user.id, populate_existing=True).language


def page(client, path="/login", **headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response


# -- the order of choice -------------------------------------------------------------------


def test_english_without_any_hint(client):
    assert lang_of(page(client)) == "en"


@pytest.mark.parametrize("header, served", [
    ("fr-FR,fr;q=0.9,en;q=0.8", "fr"), ("tr", "tr"), ("de-DE,tr;q=0.5", "tr"),
    ("de-DE,ja;q=0.5", "en"), ("en-GB,fr;q=0.5", "en"), ("*", "en"),
])
def test_browser_language_when_nothing_else_says(client, header, served):
    assert lang_of(page(client, **{"Accept-Language": header})) == served


def test_footer_choice_beats_the_browser_for_anonymous_visitors(client):
    response = client.post("/language", data={"language": "tr", "next": "/password/forgot"})
    assert response.status_code == 303 and response.headers["Location"] == "/password/forgot"
    assert "language=tr" in response.headers["Set-Cookie"]
    served = page(client, "/password/forgot", **{"Accept-Language": "fr"})
    assert lang_of(served) == "tr"


def test_customer_language_beats_cookie_and_browser(client, make_promoter, login):
    user = login(make_promoter(language="fr-FR"))
    client.set_cookie(i18n.COOKIE, "tr")
    assert lang_of(page(client, "/portal", **{"Accept-Language": "tr"})) == "fr"
    assert user.language is None


def test_own_setting_beats_everything(client, make_promoter, login):
    user = make_promoter(language="fr")
    login(user)
    response = client.post("/account", data={"language": "tr"})
    assert response.status_code == 303
    client.set_cookie(i18n.COOKIE, "en")
    served = page(client, "/portal", **{"Accept-Language": "fr"})
    assert lang_of(served) == "tr"
    assert "Hoş geldiniz" in served.get_data(as_text=True)
    assert saved_language(user) == "tr"


def test_automatic_goes_back_to_the_customer_language(client, make_promoter, login):
    user = make_promoter(language="tr")
    accounts.set_language(user, "en")
    db.session.commit()
    login(user)
    assert lang_of(page(client, "/portal")) == "en"
    client.post("/account", data={"language": ""})
    assert saved_language(user) is None
    assert lang_of(page(client, "/portal")) == "tr"


def test_the_switcher_saves_a_logged_in_choice_on_the_account(client, make_user, login):
    user = login(make_user("marketer"))
    client.post("/language", data={"language": "fr", "next": "/dashboard"})
    assert saved_language(user) == "fr"
    client.delete_cookie(i18n.COOKIE)
    assert lang_of(page(client, "/dashboard")) == "fr"


@pytest.mark.parametrize("value", ["", "de", "fr<script>", "x" * 5000])
def test_an_unknown_language_is_refused_with_a_message(client, value):
    response = client.post("/language", data={"language": value})
    assert response.status_code == 400
    assert "Choose one of the languages in the list." in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers or "language=" not in response.headers["Set-Cookie"]


def test_an_unsafe_next_goes_to_the_start_page(client):
    response = client.post("/language", data={"language": "fr", "next": "//evil.example"})
    assert response.headers["Location"] == "/"


def test_account_page_refuses_a_language_not_in_the_list(client, make_user, login):
    user = login(make_user("promoter"))
    response = client.post("/account", data={"language": "de"})
    assert response.status_code == 400
    assert saved_language(user) is None


def test_the_account_page_shows_the_choice(client, make_user, login):
    login(make_user("promoter", name="Hélène"))
    html = page(client, "/account").get_data(as_text=True)
    assert "Your account" in html and "Français" in html and "Türkçe" in html


def test_the_api_and_its_errors_stay_english(client):
    response = client.post("/api/v1/responses", json={}, headers={"Accept-Language": "fr"})
    assert response.status_code == 401
    assert response.is_json
    _token, secret = tokens.create_api_token("Typeform")
    db.session.commit()
    response = client.post("/api/v1/responses", json={"email": "nope", "score": 10},
                           headers={"Accept-Language": "fr", "Cookie": "language=tr",
                                    "Authorization": f"Bearer {secret}"})
    assert response.status_code == 400
    assert response.json["error"] == "The item is invalid; nothing was stored."
    assert response.json["errors"][0]["message"].startswith("email is not a valid address")


def test_the_command_line_stays_english(runner, tmp_path):
    csv = tmp_path / "answers.csv"
    csv.write_bytes(b"\x89PNG\r\n")
    result = runner.invoke(args=["nps", "import", str(csv)], env={"LANG": "fr_FR.UTF-8"})
    assert result.exit_code == 2
    assert "This is a PNG image, not a CSV file." in result.output


def test_a_web_upload_problem_is_explained_in_the_readers_language(client, make_user, login):
    user = make_user("marketer")
    user.language = "fr"
    db.session.commit()
    login(user)
    response = client.post("/import/", data={"file": FileStorage(
        io.BytesIO(b"\x89PNG\r\n"), filename="a.csv", content_type="text/csv")})
    assert response.status_code == 400
    assert "Ceci est une image PNG, pas un fichier CSV." in response.get_data(as_text=True)


def test_a_control_character_is_refused_in_the_readers_language(client):
    response = client.post("/password/forgot", data={"email": "a\x00@example.com"},
                           headers={"Accept-Language": "tr"})
    assert response.status_code == 400
    assert "denetim karakteri (U+0000)" in response.get_data(as_text=True)


def test_unknown_pages_are_translated_too(client):
    response = client.get("/nowhere", headers={"Accept-Language": "fr"})
    assert response.status_code == 404 and lang_of(response) == "fr"


@pytest.mark.parametrize("value, code", [
    ("fr", "fr"), ("FR_fr", "fr"), ("fr-CA", "fr"), ("French", "fr"), ("Français", "fr"),
    ("tr-TR", "tr"), ("Türkçe", "tr"), ("turkish", "tr"), ("en-US", "en"),
    ("de", None), ("", None), (None, None), ("  ", None),
])
def test_import_languages_are_read_as_supported_codes(value, code):
    assert i18n.supported(value) == code


def test_mail_language_follows_the_account_then_the_customer(make_promoter):
    user = make_promoter(language="tr")
    assert i18n.recipient_language(user) == "tr"
    user.language = "fr"
    assert i18n.recipient_language(user) == "fr"
    assert i18n.recipient_language(None, user.customer) == "tr"
    assert i18n.recipient_language() == "en"


# -- formats --------------------------------------------------------------------------------

DAY = datetime(2026, 11, 24, 15, 7, tzinfo=UTC)
NNBSP, NBSP = "\u202f", "\xa0"


@pytest.mark.parametrize("language, date, long, signed, percent, count", [
    ("en", "Nov 24, 2026", "November 24, 2026", "+31.4", "62.1%", "12,345"),
    ("fr", "24 nov. 2026", "24 novembre 2026", "+31,4", f"62,1{NBSP}%", f"12{NNBSP}345"),
    ("tr", "24 Kas 2026", "24 Kasım 2026", "+31,4", "%62,1", "12.345"),
])
def test_dates_numbers_and_percentages_follow_the_locale(app, language, date, long, signed,
                                                         percent, count):
    with app.test_request_context(), force_locale(language):
        assert i18n.format_date(DAY) == date
        assert i18n.format_date(DAY, "long") == long
        assert i18n.format_signed(31.44) == signed
        assert i18n.format_percent(62.08) == percent
        assert i18n.format_number(12345) == count
        assert i18n.format_datetime(DAY).endswith("15:07")


def test_signs_and_zero(app):
    with app.test_request_context(), force_locale("fr"):
        assert i18n.format_signed(-2) == "-2,0"
        assert i18n.format_signed(-0.04) == "0,0"
        assert i18n.format_signed(0) == "0,0"
        assert i18n.format_number(-0.04, 1) == "0,0"
        assert i18n.format_date(None) == "" and i18n.format_percent(None) == ""


# -- casing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, language, upper", [
    ("istanbul", "tr", "İSTANBUL"), ("ılık", "tr", "ILIK"), ("Işık", "tr", "IŞIK"),
    ("istanbul", "en", "ISTANBUL"), ("istanbul", "fr", "ISTANBUL"), ("élise", "fr", "ÉLISE"),
])
def test_upper_case_for_display_follows_the_language(text, language, upper):
    assert i18n.upper(text, language) == upper


def test_lower_and_capitalise_follow_the_language():
    assert i18n.lower("IŞIK İPEK", "tr") == "ışık ipek"
    assert i18n.lower("ISIK", "en") == "isik"
    assert i18n.capitalize("ipek", "tr") == "İpek"
    assert i18n.title("ipek ılgaz", "tr") == "İpek Ilgaz"


def test_templates_upper_case_in_the_served_language(app):
    with app.test_request_context():
        template = app.jinja_env.from_string("{{ word|upper }}")
        with force_locale("tr"):
            assert template.render(word="istanbul") == "İSTANBUL"
        with force_locale("en"):
            assert template.render(word="istanbul") == "ISTANBUL"


def test_email_addresses_keep_locale_free_normalisation(app, client, make_user):
    with app.test_request_context(headers={"Accept-Language": "tr"}), force_locale("tr"):
        assert normalise_email(" Irmak.IŞIK@Example.COM ") == "irmak.işik@example.com"
        user = accounts.create_user("IRMAK@EXAMPLE.COM", "promoter",
                                    password="correct-horse-battery")
        assert user.email == "irmak@example.com"
        assert accounts.get_user_by_email("Irmak@example.com") is user
