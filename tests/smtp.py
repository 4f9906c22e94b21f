"""A real SMTP server for tests (aiosmtpd), able to refuse mail, speak TLS and ask for a login."""

import email
import shutil
import socket
import ssl
import subprocess
import threading
from email import policy
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 (nothing listens on it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(directory: Path) -> tuple[Path, Path] | None:
    """A self-signed certificate for 127.0.0.1 (cert, key) made with openssl, or None."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


class _Handler:
    def __init__(self):
        self.messages = []
        self.envelopes = []
        self.refuse = None  # e.g. "451 4.3.0 Try again later"
        self.refused_recipients = {}  # address -> reply
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refused_recipients.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(parsed)
            self.envelopes.append({
                "mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                "mail_options": list(envelope.mail_options), "session": session,
            })
        return "250 OK"


class _Authenticator:
    def __init__(self, username: str, password: str):
        self.username, self.password = username, password
        self.logins = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        )
        if ok:
            self.logins.append(self.username)
        return AuthResult(success=ok, handled=False)  # let aiosmtpd reply 235 or 535


class RecordingSMTPServer:
    """Start/stop an SMTP server; `.messages` holds parsed EmailMessage objects.

    tls="starttls" offers STARTTLS (and requires it), tls="implicit" speaks TLS from the
    first byte (smtps); both need `certificate` (cert, key). With `login` (user, password)
    the server requires AUTH.
    """

    def __init__(self, tls: str | None = None, certificate=None, login=None):
        self.port = free_port()
        self.handler = _Handler()
        self.tls = tls
        self.authenticator = _Authenticator(*login) if login else None
        self.login = login
        kwargs = {}
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, certificate))
            if tls == "implicit":
                kwargs["ssl_context"] = context
            else:
                kwargs.update(tls_context=context, require_starttls=True)
        if login:
            # aiosmtpd only knows about STARTTLS: with implicit TLS it must not insist.
            kwargs.update(authenticator=self.authenticator, auth_required=True,
                          auth_require_tls=tls == "starttls")
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     **kwargs)

    @property
    def url(self) -> str:
        """The MAIL_URL that reaches this server (with its login and TLS mode)."""
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        user = ":".join(quote(part, safe="") for part in self.login) + "@" if self.login else ""
        query = "?starttls=1" if self.tls == "starttls" else ""
        return f"{scheme}://{user}127.0.0.1:{self.port}{query}"

    @property
    def messages(self):
        return self.handler.messages

    @property
    def logins(self) -> list[str]:
        return self.authenticator.logins if self.authenticator else []

    def refuse(self, reply: str | None = "451 4.3.0 Mailbox busy, try again later") -> None:
        """Make the server refuse (or, with None, accept again) every message."""
        self.handler.refuse = reply

    def refuse_recipient(self, address: str, reply: str = "450 4.2.1 Mailbox busy") -> None:
        """Refuse RCPT TO for one address (the others are accepted)."""
        self.handler.refused_recipients[address.lower()] = reply

    def start(self) -> None:
        """Listen on 127.0.0.1:port (returns once the server answers)."""
        self.controller.start()

    def stop(self) -> None:
        """Stop listening; the port is closed afterwards."""
        self.controller.stop()
