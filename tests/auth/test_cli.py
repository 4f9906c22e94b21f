"""`flask users create` and `flask tokens create`."""

import re

import pytest
from sqlalchemy import func, select

from ambassador.auth import services, tokens
from ambassador.auth.models import ApiToken, User
from ambassador.extensions import db
from ambassador.utils import hash_token

PASSWORD = "a-cli-chosen-password"


def users() -> list[User]:
    db.session.expire_all()
    return list(db.session.scalars(select(User)))


def test_create_user_with_password_from_stdin(runner):
    result = runner.invoke(args=["users", "create", "Ada@Example.com", "--role", "admin",
                                 "--name", "Ada", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "created admin ada@example.com"
    assert "http" not in result.output and PASSWORD not in result.output
    [user] = users()
    assert (user.email, user.role, user.name) == ("ada@example.com", "admin", "Ada")
    assert PASSWORD not in user.password_hash
    assert services.authenticate("ada@example.com", PASSWORD) is not None


def test_password_from_stdin_keeps_spaces_but_not_the_line_end(runner):
    result = runner.invoke(args=["users", "create", "a@example.com", "--role", "marketer",
                                 "--password-stdin"], input=" spaced password \r\n")
    assert result.exit_code == 0, result.output
    assert services.authenticate("a@example.com", " spaced password ") is not None


def test_create_user_without_password_prints_a_one_time_link(runner, client):
    result = runner.invoke(args=["users", "create", "m@example.com", "--role", "marketer"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "created marketer m@example.com"
    [link] = re.findall(r"http://ambassador\.test/password/reset/[\w-]+", lines[-1])
    assert "valid 7 days, works once" in lines[-1]
    [user] = users()
    assert user.password_hash is None
    path = link.removeprefix("http://ambassador.test")
    response = client.post(path, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.get(path).status_code == 410  # once only


@pytest.mark.parametrize("args, stdin, code, message", [
    (["nope", "--role", "admin"], None, 1, "'nope' is not a valid email address"),
    (["", "--role", "admin"], None, 1, "An email address is required"),
    (["x" * 10_000 + "@example.com", "--role", "admin"], None, 1, "is not a valid email"),
    (["a@example.com", "--role", "root"], None, 2, "Invalid value for '--role'"),
    (["a@example.com"], None, 2, "Missing option '--role'"),
    (["a@example.com", "--role", "admin", "--password-stdin"], "short\n", 1,
     "at least 10 characters"),
    (["a@example.com", "--role", "admin", "--password-stdin"], "", 1, "at least 10 characters"),
    (["a@example.com", "--role", "admin", "--password-stdin"], "p" * 1_000_000 + "\n", 1,
     "at most 256 characters"),
])
def test_create_user_refuses_bad_input(runner, args, stdin, code, message):
    result = runner.invoke(args=["users", "create", *args], input=stdin)
    assert result.exit_code == code
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert message in result.output
    assert "Traceback" not in result.output
    assert users() == []


def test_create_user_refuses_a_duplicate(runner, make_user):
    make_user("promoter", email="dup@example.com")
    result = runner.invoke(args=["users", "create", "DUP@example.com", "--role", "admin"])
    assert result.exit_code == 1
    assert "There is already an account for dup@example.com." in result.output
    assert [u.role for u in users()] == ["promoter"]


def test_tokens_create_prints_the_token_alone_on_the_last_line(runner):
    result = runner.invoke(args=["tokens", "create", "Typeform survey"])
    assert result.exit_code == 0, result.output
    secret = result.output.rstrip("\n").splitlines()[-1]
    assert re.fullmatch(r"amb_[\w-]{40,}", secret)
    db.session.expire_all()
    [token] = db.session.scalars(select(ApiToken))
    assert token.name == "Typeform survey"
    assert token.token_hash == hash_token(secret)
    assert secret not in (token.token_hash, token.prefix, token.name)
    assert tokens.authenticate_api_token(secret) is not None


def test_each_token_is_different(runner):
    first = runner.invoke(args=["tokens", "create", "one"]).output.splitlines()[-1]
    second = runner.invoke(args=["tokens", "create", "two"]).output.splitlines()[-1]
    assert first != second


@pytest.mark.parametrize("name, message", [
    ("", "Give the token a name"),
    ("x" * 101, "at most 100 characters"),
    ("taken", "There is already a live token named “taken”"),
])
def test_tokens_create_refuses_bad_names(runner, name, message):
    runner.invoke(args=["tokens", "create", "taken"])
    result = runner.invoke(args=["tokens", "create", name])
    assert result.exit_code == 1
    assert message in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1


def test_tokens_create_with_a_live_name_says_so_and_creates_nothing(runner):
    assert runner.invoke(args=["tokens", "create", "Typeform"]).exit_code == 0
    again = runner.invoke(args=["tokens", "create", "Typeform"])
    assert again.exit_code == 1
    assert "There is already a live token named “Typeform”" in again.output
    assert "Traceback" not in again.output
    assert db.session.scalar(select(func.count(ApiToken.id))) == 1
