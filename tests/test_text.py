"""Bad input never gives a 500: control and format characters, odd digits, odd emails.

These reproduce what an attack on the running app found (NUL bytes are a 500 on
PostgreSQL); they run on SQLite and PostgreSQL alike.
"""

import pytest

from ambassador import text
from ambassador.extensions import db
from ambassador.utils import ServiceError, normalise_email

NUL = "\x00"


# The shared rule.

@pytest.mark.parametrize("value", [
    "a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f", "c1\x85", "\u202eevil", "\u2066iso",
    "bom\ufeff", "line\u2028sep", "\ud800",
])
def test_control_and_format_characters_are_refused(value):
    assert text.text_problem(value, multiline=True)
    with pytest.raises(ValueError, match="character"):
        text.check_text(value, "comment")


@pytest.mark.parametrize("value", [
    "", "Hélène Şükrü", "Çok güzel 👍", "👩‍👩‍👧 family", "مرحبا بكم", "نامه‌ها",
    "tab\tinside",
])
def test_ordinary_text_passes(value):
    assert text.text_problem(value) is None


def test_newlines_are_for_multiline_fields_only():
    assert text.text_problem("two\nlines", multiline=True) is None
    assert text.text_problem("two\r\nlines", multiline=True) is None
    assert "line break" in text.text_problem("two\nlines")


def test_the_message_names_the_character():
    assert text.text_problem("a\x00b") == (
        "contains a control character (U+0000), which cannot be stored; remove it")


# Every text a person sends over HTTP: a clear 400, never a 500 (NUL on PostgreSQL).

@pytest.mark.parametrize("path, data", [
    ("/login", {"email": "a\x00@example.com", "password": "x"}),
    ("/login", {"email": "a@example.com", "password": "x\x00"}),
    ("/password/forgot", {"email": "a\x00@example.com"}),
    ("/password/reset/abc\x00def", {"password": "x", "confirm": "x"}),
    ("/welcome/abc\x00def", {"password": "x", "confirm": "x"}),
])
def test_a_nul_sent_by_anyone_is_a_clear_400(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "control character (U+0000)" in response.get_data(as_text=True)


@pytest.mark.parametrize("method, path, data", [
    ("GET", "/admin/users?q=a%00b", None),
    ("GET", "/admin/users?q=%E2%80%AEevil", None),
    ("GET", "/dashboard?company=a%00b", None),
    ("GET", "/dashboard/accounts?quarter=2026-Q1%00", None),
    ("GET", "/import/abc%00def", None),
    ("POST", "/admin/users/invite", {"email": "x\x00@example.com", "role": "marketer"}),
    ("POST", "/admin/users/invite", {"email": "x@example.com", "role": "marketer",
                                     "name": "Eve\x00"}),
    ("POST", "/admin/tokens", {"name": "Zapier\x00"}),
])
def test_staff_forms_and_query_strings_refuse_control_characters(
        client, make_user, login, method, path, data):
    login(make_user("admin"))
    response = client.open(path, method=method, data=data)
    assert response.status_code == 400
    assert "character (U+" in response.get_data(as_text=True)


def test_a_single_line_field_refuses_a_right_to_left_override(client, make_user, login):
    login(make_user("admin"))
    response = client.post("/admin/tokens", data={"name": "Zap\u202efdp.exe"})
    assert response.status_code == 400
    assert "U+202E" in response.get_data(as_text=True)
    assert "line break" in client.post(
        "/admin/tokens", data={"name": "two\nlines"}).get_data(as_text=True)


# Numbers from a URL or a form: ASCII digits only.

@pytest.mark.parametrize("quarter", ["２０２６-Q1", "٢٠٢٦-Q1", "2026-Q١"])
def test_a_quarter_in_other_digits_is_refused(client, make_user, login, quarter):
    login(make_user("marketer"))
    response = client.get("/dashboard/export.csv", query_string={"quarter": quarter})
    assert response.status_code == 400
    html = client.get("/dashboard/accounts", query_string={"quarter": quarter})
    assert html.status_code == 200 and "Ignored the quarter" in html.get_data(as_text=True)


def test_ids_in_urls_are_ascii_digits(client, make_user, login):
    from ambassador.imports.models import ImportRun

    user = login(make_user("marketer"))
    run = ImportRun(user_id=user.id, filename="q3.csv", imported=1)
    db.session.add(run)
    db.session.commit()
    wide = "".join(chr(ord(c) + 0xFEE0) for c in str(run.id))
    assert client.get(f"/import/runs/{run.id}").status_code == 200
    assert client.get(f"/import/runs/{wide}").status_code == 404


@pytest.mark.parametrize("page", ["２", "99999999999999999999", "-1", "1e3"])
def test_page_numbers_are_ascii_and_bounded(client, make_user, login, page):
    login(make_user("admin"))
    assert client.get("/admin/users", query_string={"page": page}).status_code == 200


# Emails: no format or control characters, nothing that changes under NFKC.

@pytest.mark.parametrize("email", [
    "ad\u200bmin@example.com",          # zero-width space
    "admin\u202e@example.com",          # right-to-left override
    "\u212aate@example.com",            # Kelvin sign, folds onto k
    "ﬁle@example.com",                  # ligature fi
    "ａdmin@example.com",               # full-width a
    "a\x01b@example.com",
])
def test_emails_that_hide_or_fold_characters_are_refused(email):
    with pytest.raises(ServiceError):
        normalise_email(email)


def test_real_international_addresses_still_work():
    assert normalise_email(" Çağla@Örnek.com.tr ") == "çağla@örnek.com.tr"


def test_the_kelvin_sign_cannot_take_over_an_account(client, make_user):
    make_user("admin", email="kate@example.com")
    response = client.post("/password/forgot", data={"email": "\u212aate@example.com"})
    assert response.status_code == 400


def test_cli_refuses_control_characters(runner):
    result = runner.invoke(args=["tokens", "create", "Zap\x00ier"])
    assert result.exit_code == 2 and "U+0000" in result.output
    result = runner.invoke(args=["users", "create", "a\u200b@example.com", "--role", "admin"])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_every_form_uses_the_shared_base(app):
    """A new form inheriting FlaskForm directly would skip the rule: use ambassador.text.Form."""
    from flask_wtf import FlaskForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [c for c in subclasses(FlaskForm) if c.__module__.startswith("ambassador.")]
    assert len(ours) >= 5
    assert [c.__qualname__ for c in ours if not issubclass(c, text.Form)] == []


def test_the_importer_refuses_hidden_characters_in_emails(runner, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("email,score\nad\u200bmin@example.com,9\n\u212aate@example.com,9\n",
                    encoding="utf-8")
    result = runner.invoke(args=["nps", "import", str(path)])
    assert result.exit_code == 3
    assert "line 2: email contains an invisible or control character (U+200B)" in result.output
    assert "line 3: email contains look-alike characters" in result.output
