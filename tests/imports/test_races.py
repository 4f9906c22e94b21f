"""A double-submitted import, as two real requests at the same moment, records one run."""

from sqlalchemy import func, select

from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.imports.models import ImportRun
from ambassador.nps.models import Response
from tests.conftest import PASSWORD
from tests.imports.data import TEMPLATE
from tests.imports.pages import form_values, preview_of
from tests.races import at_once, login_client


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_double_submitted_import_records_one_run(race_app):
    with race_app.app_context():
        accounts.create_user("marketer@example.com", "marketer", "M", password=PASSWORD)
        db.session.commit()
    for round_no in range(3):
        first, second = (login_client(race_app, "marketer@example.com") for _ in range(2))
        url, html = preview_of(first, TEMPLATE)
        data = form_values(html, action="import")

        press = [lambda c=c, url=url, data=data: c.post(url, data=data) for c in (first, second)]
        responses = at_once(*press)

        assert [r.status_code for r in responses] == [303, 303], round_no
        locations = {r.headers["Location"] for r in responses}
        runs = _count(race_app, ImportRun)
        assert runs == round_no + 1, f"round {round_no}: {runs} runs, {locations}"
        assert _count(race_app, Response) == 3  # the rows once, whatever the presses
