"""A real SMTP server for tests (aiosmtpd), able to refuse mail on demand."""

import email
import socket
from email import policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self):
        self.messages = []
        self.refuse = None  # e.g. "451 4.3.0 Try again later"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class RecordingSMTPServer:
    """Start/stop an SMTP server; `.messages` holds parsed EmailMessage objects."""

    def __init__(self):
        self.port = free_port()
        self.handler = _Handler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self):
        return self.handler.messages

    def refuse(self, reply: str | None = "451 4.3.0 Mailbox busy, try again later") -> None:
        """Make the server refuse (or, with None, accept again) every message."""
        self.handler.refuse = reply

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
