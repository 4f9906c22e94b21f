"""`flask outbox deliver`: one line per pass, a clear error for a bad MAIL_URL, a clean stop."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, update

from ambassador.extensions import db
from ambassador.mail.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]


def test_once_prints_one_line(runner, smtp_mail, mail_config, queue_invitation, outbox):
    mail_config(OUTBOX_MAX_ATTEMPTS=3)
    for n in range(3):
        queue_invitation(f"p{n}@example.com")
    queue_invitation("busy@example.com")
    gone = queue_invitation("gone@example.com")
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == gone.id).values(attempts=2))
    db.session.commit()
    smtp_mail.refuse_recipient("busy@example.com", "450 4.2.1 Mailbox busy")
    smtp_mail.refuse_recipient("gone@example.com", "550 5.1.1 No such user")

    result = runner.invoke(args=["outbox", "deliver", "--once"])

    assert result.exit_code == 0, result.output
    assert result.output == "sent 3, retry later 1, failed 1\n"
    assert sorted(m["To"] for m in smtp_mail.messages) == [f"p{n}@example.com" for n in range(3)]
    db.session.expire_all()
    states = {m.to_addr: (m.status, m.attempts) for m in outbox()}
    assert states["busy@example.com"] == ("queued", 1)
    assert states["gone@example.com"] == ("failed", 3)

    result = runner.invoke(args=["outbox", "deliver", "--once"])
    assert result.output == "sent 0, retry later 0, failed 0\n"  # the retry is not due yet


@pytest.mark.parametrize(("setting", "error"), [
    ({"MAIL_URL": "smpt://mail.example.com"}, "MAIL_URL must start with smtp://"),
    ({"MAIL_FROM": "Ambassador"}, "MAIL_FROM is not a sender address: 'Ambassador'"),
])
def test_a_bad_setting_stops_before_touching_the_queue(runner, mail_config, queue_invitation,
                                                      outbox, setting, error):
    mail_config(**setting)
    queue_invitation()

    result = runner.invoke(args=["outbox", "deliver", "--once"])

    assert result.exit_code == 1
    assert error in result.output
    db.session.expire_all()
    assert [(m.status, m.attempts) for m in outbox()] == [("queued", 0)]


def test_the_worker_delivers_until_sigterm_then_stops_cleanly(tmp_path):
    database = f"sqlite:///{tmp_path / 'worker.db'}"
    env = {**os.environ, "DATABASE_URL": database, "MAIL_URL": f"file://{tmp_path}/mail",
           "MAIL_FROM": "Ambassador <team@example.com>"}
    flask = [sys.executable, "-m", "flask", "--app", "ambassador"]
    engine = create_engine(database)
    db.metadata.create_all(engine)  # the migrations are tested elsewhere; this is quicker
    with engine.begin() as conn:
        conn.execute(OutboxMessage.__table__.insert(), [
            {"to_addr": "helene@example.com", "subject": "Bonjour Hélène",
             "body_text": "Bonjour", "body_html": "<p>Bonjour</p>"},
        ])

    worker = subprocess.Popen([*flask, "outbox", "deliver", "--interval", "0.2"], env=env,
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list((tmp_path / "mail").glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert worker.returncode == 0, err
    assert "sent 1, retry later 0, failed 0" in out.splitlines()
    assert out.splitlines()[-1] == "stopped"
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(OutboxMessage.status == "sent")) == 1
    engine.dispose()
