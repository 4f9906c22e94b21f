"""Delivery backends chosen by MAIL_URL: smtp(s)://, file:///dir, memory://, or the dev default."""

import json
import re
import smtplib
import ssl
import time
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import click

LINK_RE = re.compile(r"https?://[^\s<>\"']+")
SAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")
TRUE = ("1", "true", "yes", "on")


class DeliveryError(Exception):
    """The message could not be delivered this time; it stays queued."""


def ascii_address(address: str) -> str:
    """Return the address with an international domain in IDNA form (örnek.com → xn--…)."""
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(c in address for c in "\r\n<>,"):
        raise ValueError(f"not an email address: {address[:80]!r}")
    if not domain.isascii():
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


def parse_sender(sender: str) -> Address:
    """MAIL_FROM ("Name <addr>" or "addr") as an Address; ValueError when it is not one."""
    name, addr = parseaddr(sender or "")
    try:
        return Address(name, addr_spec=ascii_address(addr))
    except Exception as exc:
        raise ValueError(f"MAIL_FROM is not a sender address: {sender!r}") from exc


def _set_one_line(email: EmailMessage, name: str, value: str) -> None:
    """Set a header that stays one line, even when `value` hides a line break.

    The email package decodes RFC 2047 words on assignment, so "=?utf-8?q?Hi=0D=0ABcc:…?="
    (no whitespace, no control character) becomes a line break that older Pythons
    write out as a header of its own; the decoded text is flattened and set again.
    """
    for _ in range(3):
        email[name] = " ".join(value.split())
        shown = str(email[name])
        if "\r" not in shown and "\n" not in shown:
            return
        del email[name]
        value = shown
    raise ValueError(f"{name} keeps a line break: {value[:80]!r}")


def build_message(msg, sender: str) -> EmailMessage:
    """Turn an outbox row into a multipart/alternative email (text and HTML).

    The Message-ID depends only on the row, so a retry of a message that did arrive
    carries the same id and receiving systems can drop the duplicate.
    """
    from_ = parse_sender(sender)
    created = msg.created_at or datetime.now(UTC)
    email = EmailMessage()
    _set_one_line(email, "Subject", msg.subject or "")
    email["From"] = from_
    email["To"] = ascii_address(msg.to_addr)
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = f"<outbox-{msg.id}.{created:%Y%m%d%H%M%S}@{from_.domain}>"
    email["Auto-Submitted"] = "auto-generated"
    for name, value in json.loads(getattr(msg, "headers", None) or "{}").items():
        email[name] = value  # List-Unsubscribe and List-Unsubscribe-Post (RFC 8058)
    email.set_content(msg.body_text)
    email.add_alternative(msg.body_html, subtype="html")
    return email


def describe_smtp_error(exc: Exception) -> str:
    """One readable line for an SMTP or socket failure (stored as the message's last_error)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipient refused: " + "; ".join(
            f"{addr}: {code} {_text(reply)}" for addr, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        what = {
            smtplib.SMTPSenderRefused: "sender refused",
            smtplib.SMTPDataError: "message refused",
            smtplib.SMTPAuthenticationError: "login refused",
            smtplib.SMTPConnectError: "connection refused",
            smtplib.SMTPHeloError: "greeting refused",
        }.get(type(exc), "server said")
        return f"{what}: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the mail server running?)"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class SMTPBackend:
    """SMTP: smtp://user:pass@host:port (add ?starttls=1) or smtps://host:465.

    One connection is kept for a whole delivery pass and closed by close(). It is checked
    with NOOP only before reuse after IDLE_CHECK seconds without a message, not before
    each one (a round trip per message).
    """

    IDLE_CHECK = 10.0

    def __init__(self, url: str, timeout: float):
        parts = urlsplit(url)
        self.ssl = parts.scheme == "smtps"
        query = parse_qs(parts.query)
        self.starttls = query.get("starttls", ["0"])[0].lower() in TRUE
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.ssl else 587 if self.starttls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None
        self._last_used = 0.0

    def _connect(self) -> smtplib.SMTP:
        # Verified against the system CAs (or SSL_CERT_FILE); only built when TLS is used.
        context = ssl.create_default_context() if self.ssl or self.starttls else None
        if self.ssl:
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls and not self.ssl:
                conn.starttls(context=context)
            if self.username:
                conn.login(self.username, self.password or "")
            conn.ehlo_or_helo_if_needed()  # learn the extensions (8BITMIME) before sending
        except BaseException:
            conn.close()
            raise
        return conn

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None and time.monotonic() - self._last_used < self.IDLE_CHECK:
            return self._conn
        if self._conn is not None:
            try:
                if self._conn.noop()[0] == 250:
                    return self._conn
            except (OSError, smtplib.SMTPException):
                pass
            self.close()
        self._conn = self._connect()
        return self._conn

    def send(self, email: EmailMessage) -> None:
        """Send one message; any failure becomes a DeliveryError."""
        try:
            conn = self._connection()
            # Declare 8-bit bodies (UTF-8 text) where the server supports it (RFC 6152);
            # smtplib declares it itself, with SMTPUTF8, for non-ASCII addresses.
            sender = email["From"].addresses[0].addr_spec
            ascii_only = str(email["To"]).isascii() and sender.isascii()
            options = ["BODY=8BITMIME"] if ascii_only and conn.has_extn("8bitmime") else []
            conn.send_message(email, mail_options=options)
            self._last_used = time.monotonic()
        except (OSError, smtplib.SMTPException) as exc:
            # After a refusal smtplib has reset the session and the connection is usable.
            refused = isinstance(exc, smtplib.SMTPRecipientsRefused) or (
                isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code != 421
            )
            if not refused:
                self.close()
            raise DeliveryError(f"{self.host}:{self.port}: {describe_smtp_error(exc)}") from exc

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()


class FileBackend:
    """Writes each message as an .eml file into a folder (file:///dir)."""

    def __init__(self, directory: str, echo: bool = False):
        self.directory = Path(directory)
        self.echo = echo

    def send(self, email: EmailMessage) -> None:
        """Write the message; in development also print its subject, file and links."""
        # <outbox-42.20261124051211@host> -> 20261124-051211-outbox-42.eml (sorted by time)
        ident = SAFE_NAME_RE.sub("_", email["Message-ID"].strip("<>").split("@")[0].split(".")[0])
        path = self.directory / f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{ident}.eml"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path.write_bytes(bytes(email))
        except OSError as exc:
            raise DeliveryError(f"{self.directory}: {exc}") from exc
        if self.echo:
            click.echo(f"mail to {email['To']}: {email['Subject']}\n  file: {path}")
            for link in message_links(email):
                click.echo(f"  link: {link}")

    def close(self) -> None:
        """Nothing to close."""


def message_links(email: EmailMessage) -> list[str]:
    """The distinct http(s) links of the plain-text part, in order."""
    text = email.get_body(("plain",)).get_content()
    links = (link.rstrip(".,;:!?)]") for link in LINK_RE.findall(text))
    return list(dict.fromkeys(links))


class MemoryBackend:
    """Keeps messages in a list (tests that do not need a real SMTP server)."""

    sent: list[EmailMessage] = []

    def send(self, email: EmailMessage) -> None:
        """Append the message to MemoryBackend.sent."""
        MemoryBackend.sent.append(email)

    def close(self) -> None:
        """Nothing to close."""


def get_backend(config):
    """Return the backend that MAIL_URL names (unset: the development folder)."""
    url = (config.get("MAIL_URL") or "").strip()
    if url.startswith(("smtp://", "smtps://")):
        return SMTPBackend(url, config.get("MAIL_TIMEOUT", 20))
    if url.startswith("file://"):
        parts = urlsplit(url)
        # file:///abs/dir is the standard form; file://instance/mail is taken as relative.
        host = "" if parts.netloc in ("", "localhost") else parts.netloc
        return FileBackend(unquote(host + parts.path), echo=config.get("MAIL_ECHO", False))
    if url.startswith("memory://"):
        return MemoryBackend()
    if url:
        raise ValueError(
            f"MAIL_URL must start with smtp://, smtps://, file:// or memory://, not {url!r}"
        )
    return FileBackend(config["MAIL_DEV_DIR"], echo=config.get("MAIL_ECHO", True))
