"""Delivery backends chosen by MAIL_URL: smtp(s)://, file:///dir, memory://, or the dev default."""

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import click

LINK_RE = re.compile(r"https?://[^\s<>\"']+")


class DeliveryError(Exception):
    """The message could not be delivered this time; it stays queued."""


def build_message(msg, sender: str) -> EmailMessage:
    """Turn an outbox row into a multipart/alternative email (text and HTML)."""
    email = EmailMessage()
    email["Subject"] = msg.subject
    email["From"] = sender
    email["To"] = msg.to_addr
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{msg.id}", domain="ambassador")
    email.set_content(msg.body_text)
    email.add_alternative(msg.body_html, subtype="html")
    return email


class SMTPBackend:
    """SMTP: smtp://user:pass@host:port (add ?starttls=1) or smtps://host:465."""

    def __init__(self, url: str, timeout: float):
        parts = urlsplit(url)
        self.ssl = parts.scheme == "smtps"
        query = parse_qs(parts.query)
        self.starttls = query.get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.ssl else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def send(self, email: EmailMessage) -> None:
        """Send one message; any failure becomes a DeliveryError."""
        try:
            context = ssl.create_default_context()
            if self.ssl:
                conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with conn:
                if self.starttls:
                    conn.starttls(context=context)
                if self.username:
                    conn.login(self.username, self.password or "")
                conn.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


class FileBackend:
    """Writes each message as an .eml file into a folder (file:///dir)."""

    def __init__(self, directory: str, echo: bool = False):
        self.directory = Path(directory)
        self.echo = echo

    def send(self, email: EmailMessage) -> None:
        """Write the message; in development also print its links."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ident = email["Message-ID"].strip("<>").split("@")[0]
            path = self.directory / f"{ident}.eml"
            path.write_bytes(bytes(email))
        except OSError as exc:
            raise DeliveryError(str(exc)) from exc
        if self.echo:
            text = email.get_body(("plain",)).get_content()
            click.echo(f"mail to {email['To']}: {email['Subject']} ({path})")
            for link in dict.fromkeys(LINK_RE.findall(text)):
                click.echo(f"  {link}")


class MemoryBackend:
    """Keeps messages in a list (tests that do not need a real SMTP server)."""

    sent: list[EmailMessage] = []

    def send(self, email: EmailMessage) -> None:
        """Append the message to MemoryBackend.sent."""
        MemoryBackend.sent.append(email)


def get_backend(config):
    """Return the backend that MAIL_URL names."""
    url = config.get("MAIL_URL") or ""
    if url.startswith(("smtp://", "smtps://")):
        return SMTPBackend(url, config.get("MAIL_TIMEOUT", 20))
    if url.startswith("file://"):
        return FileBackend(unquote(urlsplit(url).path), echo=config.get("MAIL_ECHO", False))
    if url.startswith("memory://"):
        return MemoryBackend()
    if url:
        raise ValueError(f"MAIL_URL must start with smtp://, smtps:// or file://, not {url!r}")
    return FileBackend(config["MAIL_DEV_DIR"], echo=config.get("MAIL_ECHO", True))
