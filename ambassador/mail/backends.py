"""Delivery backends chosen by MAIL_URL: smtp(s)://, file:///dir, memory://, or the dev default."""

import re
import smtplib
import ssl
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import click

from ambassador.mail.compose import OutgoingMail

LINK_RE = re.compile(r"https?://[^\s<>\"']+")
SAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")
LEADING_DOT = re.compile(rb"(?m)^\.")  # SMTP dot-stuffing (RFC 5321 4.5.2)
TRUE = ("1", "true", "yes", "on")


class DeliveryError(Exception):
    """The message could not be delivered this time; it stays queued."""


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


def _reset(conn: smtplib.SMTP, code: int) -> None:
    """After a refusal: end the transaction (RSET), or the connection when the server is
    closing it (421), as smtplib's sendmail does."""
    if code == 421:
        conn.close()
    else:
        try:
            conn.rset()
        except smtplib.SMTPServerDisconnected:
            pass


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

    def send(self, mail: OutgoingMail) -> None:
        """Send one message; any failure becomes a DeliveryError."""
        try:
            self._transaction(self._connection(), mail)
            self._last_used = time.monotonic()
        except (OSError, smtplib.SMTPException) as exc:
            # After a refusal the session is reset and the connection is usable.
            refused = isinstance(exc, smtplib.SMTPRecipientsRefused) or (
                isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code != 421
            )
            if not refused:
                self.close()
            raise DeliveryError(f"{self.host}:{self.port}: {describe_smtp_error(exc)}") from exc

    @staticmethod
    def _transaction(conn: smtplib.SMTP, mail: OutgoingMail) -> None:
        """MAIL, RCPT, DATA: smtplib's sendmail without parsing both addresses again.

        The addresses were checked when the mail was composed (no CR, LF, <, >, comma).
        """
        # Declare 8-bit bodies (UTF-8 text) where the server supports it (RFC 6152); an
        # address that is not ASCII needs SMTPUTF8 (RFC 6531), which implies it.
        if mail.international:
            if not conn.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError(
                    "an address is not ASCII and the server does not offer SMTPUTF8")
            options = ["SMTPUTF8", "BODY=8BITMIME"]
            conn.command_encoding = "utf-8"  # as smtplib's mail() does for SMTPUTF8
        else:
            options = ["BODY=8BITMIME"] if conn.has_extn("8bitmime") else []
        if conn.has_extn("size"):
            options.append(f"SIZE={len(mail.data)}")
        code, reply = conn.docmd("mail", " ".join([f"FROM:<{mail.sender}>", *options]))
        if code != 250:
            _reset(conn, code)
            raise smtplib.SMTPSenderRefused(code, reply, mail.sender)
        code, reply = conn.docmd("rcpt", f"TO:<{mail.recipient}>")
        if code not in (250, 251):
            _reset(conn, code)
            raise smtplib.SMTPRecipientsRefused({mail.recipient: (code, reply)})
        code, reply = conn.docmd("data")
        if code != 354:
            _reset(conn, code)
            raise smtplib.SMTPDataError(code, reply)
        # Composed with CRLF line ends; a line that starts with "." gets one more.
        conn.send(LEADING_DOT.sub(b"..", mail.data) + b".\r\n")
        code, reply = conn.getreply()
        if code != 250:
            _reset(conn, code)
            raise smtplib.SMTPDataError(code, reply)

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

    def send(self, mail: OutgoingMail) -> None:
        """Write the message; in development also print its subject, file and links."""
        # <outbox-42.20261124051211@host> -> 20261124-051211-outbox-42.eml (sorted by time)
        ident = SAFE_NAME_RE.sub("_", mail.message_id.strip("<>").split("@")[0].split(".")[0])
        path = self.directory / f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{ident}.eml"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path.write_bytes(mail.data.replace(b"\r\n", b"\n"))  # a file has LF line ends
        except OSError as exc:
            raise DeliveryError(f"{self.directory}: {exc}") from exc
        if self.echo:
            email = mail.as_email()
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

    def send(self, mail: OutgoingMail) -> None:
        """Append the message, as it would be received, to MemoryBackend.sent."""
        MemoryBackend.sent.append(mail.as_email())

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
