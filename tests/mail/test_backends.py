"""The delivery backends that MAIL_URL picks: SMTP (plain, STARTTLS, smtps, login), files,
the development folder that prints links."""

import pytest

from ambassador.extensions import db
from ambassador.mail.backends import FileBackend, MemoryBackend, SMTPBackend, get_backend
from ambassador.mail.delivery import deliver_due
from ambassador.mail.models import OutboxMessage

# aiosmtpd (1.4.6) counts only STARTTLS as TLS when it decides whether AUTH is safe, so the
# implicit-TLS (smtps) server of test_tls_and_login must be built with auth_require_tls=False,
# and aiosmtpd then warns although that connection is encrypted. That warning, from that
# module, is the only one ignored here; every other warning still fails the suite.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning:aiosmtpd.smtp"
)


def test_mail_url_picks_the_backend(tmp_path):
    config = {"MAIL_DEV_DIR": str(tmp_path / "dev"), "MAIL_TIMEOUT": 7}

    smtp = get_backend({**config, "MAIL_URL": "smtp://me%40corp:p%3Ass@mail.corp:2525?starttls=1"})
    assert isinstance(smtp, SMTPBackend)
    assert (smtp.host, smtp.port, smtp.username, smtp.password) == (
        "mail.corp", 2525, "me@corp", "p:ss")
    assert (smtp.starttls, smtp.ssl, smtp.timeout) == (True, False, 7)
    smtps = get_backend({**config, "MAIL_URL": "smtps://mail.corp"})
    assert (smtps.ssl, smtps.port, smtps.username) == (True, 465, None)
    assert get_backend({**config, "MAIL_URL": "smtp://mail.corp"}).port == 25
    assert get_backend({**config, "MAIL_URL": "smtp://mail.corp?starttls=1"}).port == 587

    files = get_backend({**config, "MAIL_URL": f"file://{tmp_path}/out"})
    assert isinstance(files, FileBackend) and files.directory == tmp_path / "out"
    assert isinstance(get_backend({**config, "MAIL_URL": "memory://"}), MemoryBackend)
    dev = get_backend({**config, "MAIL_URL": ""})
    assert isinstance(dev, FileBackend) and dev.directory == tmp_path / "dev" and dev.echo
    with pytest.raises(ValueError, match="MAIL_URL must start with"):
        get_backend({**config, "MAIL_URL": "sendmail:///usr/sbin/sendmail"})


def test_file_url_writes_eml_files_quietly(tmp_path, mail_config, queue_invitation, capsys):
    mail_config(MAIL_URL=f"file://{tmp_path}/mail", MAIL_ECHO=False)
    queue_invitation()

    assert deliver_due().sent == 1

    [path] = (tmp_path / "mail").glob("*.eml")
    assert b"Subject: You have an Ambassador account" in path.read_bytes()
    assert capsys.readouterr().out == ""


def test_development_default_writes_instance_mail_and_prints_links(
    tmp_path, mail_config, queue_invitation, capsys
):
    import email
    from email import policy

    mail_config(MAIL_URL="", MAIL_DEV_DIR=str(tmp_path / "mail"), MAIL_ECHO=True)
    queue_invitation("helene@example.com", link="http://ambassador.test/reset/tok3n")

    assert deliver_due().sent == 1

    [path] = (tmp_path / "mail").glob("*.eml")
    saved = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert saved.get_content_type() == "multipart/alternative"
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "mail to helene@example.com: You have an Ambassador account",
        f"  file: {path}",
        "  link: http://ambassador.test/reset/tok3n",
    ]


@pytest.fixture
def certificate(tmp_path, monkeypatch):
    """A self-signed certificate for 127.0.0.1 that this test's SMTP client trusts."""
    from tests.smtp import make_certificate

    made = make_certificate(tmp_path)
    if made is None:
        pytest.skip("openssl is needed to make a test certificate")
    monkeypatch.setenv("SSL_CERT_FILE", str(made[0]))  # read by ssl.create_default_context
    return made


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_tls_and_login(tls, certificate, mail_config, queue_invitation):
    from tests.smtp import RecordingSMTPServer

    server = RecordingSMTPServer(tls=tls, certificate=certificate, login=("amb", "s3cret:/@"))
    server.start()
    try:
        assert server.url.startswith("smtps://" if tls == "implicit" else "smtp://")
        mail_config(MAIL_URL=server.url)
        queue_invitation()
        assert deliver_due().sent == 1
        assert len(server.messages) == 1 and server.logins == ["amb"]

        mail_config(MAIL_URL=server.url.replace("s3cret%3A%2F%40", "wrong"))
        queue_invitation("second@example.com")
        assert deliver_due().retried == 1
        assert "login refused: 535" in db.session.scalars(
            db.select(OutboxMessage.last_error).where(OutboxMessage.status == "queued")).one()
    finally:
        server.stop()


def test_addresses_are_checked_and_international_domains_encoded():
    from ambassador.mail.compose import ascii_address

    assert ascii_address(" ipek@örnek.com.tr ") == "ipek@xn--rnek-4qa.com.tr"
    assert ascii_address("helene@example.com") == "helene@example.com"
    for bad in ("", "@example.com", "helene@", "a@b.com\r\nBcc: c@d.com", "<a@b.com>"):
        with pytest.raises(ValueError):
            ascii_address(bad)


def test_smtp_errors_read_as_one_line():
    import smtplib

    from ambassador.mail.backends import describe_smtp_error

    assert describe_smtp_error(smtplib.SMTPDataError(451, b"4.3.0 Mailbox busy")) == (
        "message refused: 451 4.3.0 Mailbox busy")
    assert describe_smtp_error(smtplib.SMTPRecipientsRefused(
        {"x@example.com": (550, b"5.1.1 No such user")})) == (
        "recipient refused: x@example.com: 550 5.1.1 No such user")
    assert describe_smtp_error(ConnectionRefusedError(111, "Connection refused")) == (
        "connection refused (is the mail server running?)")
    assert describe_smtp_error(TimeoutError("timed out")) == "timed out"
