"""In headless Chromium: a promoter logs in, joins an event and downloads its calendar file."""

import re
from datetime import UTC, datetime, timedelta

from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.nps.services import record_response
from ambassador.programs.services import ProgramFields, create_program
from tests.conftest import PASSWORD


def test_a_promoter_joins_an_event_and_adds_it_to_their_calendar(page, live_server, live_app,
                                                                screenshots):
    from playwright.sync_api import expect

    response = record_response({"email": "grace@example.com", "score": 10,
                                "name": "Grace Walker", "language": "en"}, "import")
    accounts.create_user("grace@example.com", "promoter", "Grace Walker", password=PASSWORD,
                         customer_id=response.customer_id)
    start = (datetime.now(UTC) + timedelta(days=30)).replace(hour=13, minute=0, second=0,
                                                             microsecond=0)
    program = create_program(ProgramFields(
        title="Customer council", description="Two hours with the **product team**.",
        kind="event", status="open", seats=2, starts_at=start,
        ends_at=start + timedelta(hours=2), timezone="Europe/Paris", place="Paris"))
    db.session.commit()

    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/portal")
    expect(page.get_by_role("heading", name="Welcome, Grace")).to_be_visible()
    page.get_by_role("link", name="Customer council").first.click()
    expect(page.get_by_text("2 seats left of 2")).to_be_visible()

    page.get_by_role("button", name="Join the event").click()
    expect(page.get_by_text("You are in! Your seat is saved.").first).to_be_visible()
    expect(page.get_by_text("1 seat left of 2")).to_be_visible()
    page.screenshot(path=screenshots / "program-joined.png", full_page=True)

    with page.expect_download() as info:
        page.get_by_role("link", name="Add to my calendar (.ics)").click()
    download = info.value
    assert download.suggested_filename == f"program-{program.id}.ics"
    from pathlib import Path

    text = Path(download.path()).read_text(encoding="utf-8").replace("\r\n ", "")
    local = start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert f"DTSTART;TZID=Europe/Paris:{local:%Y%m%dT%H%M%S}" in text
    assert "SUMMARY:Customer council" in text and "BEGIN:VTIMEZONE" in text
    assert re.search(r"UID:program-\d+@127\.0\.0\.1", text)
