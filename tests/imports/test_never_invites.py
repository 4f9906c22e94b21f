"""Importing never invites anyone by itself: at the web import, `nps import` and the API.

Invitations go out only from `invitations send` or the dashboard button (README); each
entry point that records promoters is checked for what must not happen: no invitation,
no queued mail, no account.
"""

import json

import pytest
from sqlalchemy import func, select

from ambassador.auth.models import User
from ambassador.auth.tokens import create_api_token
from ambassador.extensions import db
from ambassador.mail.models import OutboxMessage
from ambassador.nps.models import Customer
from ambassador.portal.models import Invitation
from tests.imports.data import csv_bytes
from tests.imports.pages import preview_of, submit

PROMOTERS = [{"email": "ana@example.com", "score": 10, "name": "Ana López"},
             {"email": "bob@example.com", "score": 9, "name": "Bob Martin"}]
FILE = csv_bytes([["email", "score", "name"],
                  *[[p["email"], str(p["score"]), p["name"]] for p in PROMOTERS]])


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _nobody_was_invited(accounts_before: int) -> None:
    db.session.expire_all()
    active = db.session.scalar(
        select(func.count()).select_from(Customer).where(Customer.status == "active"))
    assert active == len(PROMOTERS)  # the promoters were recorded…
    assert _count(Invitation) == 0  # …and nobody was invited,
    assert _count(OutboxMessage) == 0  # no mail is waiting,
    assert _count(User) == accounts_before  # and no account was made for them.


def test_the_web_import_invites_nobody(client, marketer):
    url, html = preview_of(client, FILE)
    assert submit(client, url, html).status_code == 303
    _nobody_was_invited(accounts_before=1)


@pytest.mark.parametrize("options", [[], ["--map", "email=email"]])
def test_nps_import_invites_nobody(runner, tmp_path, options):
    path = tmp_path / "promoters.csv"
    path.write_bytes(FILE)
    result = runner.invoke(args=["nps", "import", str(path), *options])
    assert result.exit_code == 0, result.output
    assert "imported 2, duplicates 0, rejected 0" in result.output
    _nobody_was_invited(accounts_before=0)


def test_the_api_invites_nobody(client):
    _token, secret = create_api_token("Survey tool")
    db.session.commit()
    response = client.post("/api/v1/responses", data=json.dumps(PROMOTERS),
                           headers={"Authorization": f"Bearer {secret}"},
                           content_type="application/json")
    assert response.status_code == 201, response.get_json()
    _nobody_was_invited(accounts_before=0)


def test_the_button_does_invite_them(client, make_user, login, make_response):
    """The check above can fail: the same promoters are invited when someone asks."""
    for promoter in PROMOTERS:
        make_response(**promoter)
    login(make_user("marketer"))
    assert client.post("/dashboard/invitations").status_code == 303
    assert _count(Invitation) == 2 and _count(OutboxMessage) == 2
