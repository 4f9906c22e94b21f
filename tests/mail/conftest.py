"""Fixtures for the outbox tests: config overrides that are always restored, a sample mail."""

from types import SimpleNamespace

import pytest

from ambassador.extensions import db
from ambassador.mail.backends import MemoryBackend
from ambassador.mail.services import queue_mail


@pytest.fixture
def mail_config(app, monkeypatch):
    """mail_config(KEY=value, …): override app.config for this test; restored afterwards."""

    def override(**values):
        for key, value in values.items():
            monkeypatch.setitem(app.config, key, value)

    return override


@pytest.fixture
def smtp_mail(smtp_server, mail_config):
    """The real SMTP server of the test, set as MAIL_URL."""
    mail_config(MAIL_URL=smtp_server.url)
    return smtp_server


@pytest.fixture(autouse=True)
def _memory_backend():
    MemoryBackend.sent.clear()
    yield
    MemoryBackend.sent.clear()


@pytest.fixture
def queue_invitation():
    """queue_invitation(email, name="", subject=…, commit=True) -> OutboxMessage."""

    def queue(email="helene@example.com", name="", subject="You have an Ambassador account",
              link="http://ambassador.test/reset/abc", commit=True):
        user = SimpleNamespace(display_name=name or email, email=email, role="promoter")
        message = queue_mail(email, "account_invitation", subject, locale="en", user=user, days=7,
                             link=link)
        if commit:
            db.session.commit()
        return message

    return queue
