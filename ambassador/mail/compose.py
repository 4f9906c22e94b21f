"""Turning an outbox row into the bytes of a mail, once, the way the SMTP server gets them.

The mail is multipart/alternative (text and HTML, UTF-8), with the headers we set and no
other. It is written straight to bytes rather than through `email.message.EmailMessage`:
that class parses every header it is given and folds it again on output, which cost
more than the whole SMTP conversation with a local server. What it guaranteed is kept
here: each header is one logical line whatever the value hides (CR, LF, U+2028…), text
that is not plain ASCII goes out as RFC 2047 encoded words, long lines are folded, and
bodies with lines over 78 characters are quoted-printable. `build_message` parses the
bytes back into an EmailMessage for the development folder and the tests.
"""

import binascii
import json
import os
import re
from base64 import b64encode
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from functools import lru_cache

CRLF = "\r\n"
MAX_LINE = 78  # RFC 5322's "should": longer header lines are folded, longer body lines encoded
# A header word this long cannot be folded and would near the 998-octet limit of a line.
MAX_WORD = 900
# Headers that this module writes itself, or that would change who receives the mail:
# an outbox row's extra headers (List-Unsubscribe…) may not set them.
RESERVED = frozenset(name.lower() for name in (
    "Subject", "From", "To", "Cc", "Bcc", "Sender", "Date", "Message-ID", "Auto-Submitted",
    "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Resent-To", "Resent-Cc",
    "Resent-Bcc", "Resent-From", "Resent-Sender", "Return-Path",
))
# An address whose local part and domain are dot-atoms (RFC 5322, with UTF-8 from RFC 6532)
# is written as it is; anything else goes through the email package's address parser.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\U0010ffff-]+"
DOT_ATOM_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*")


@dataclass(frozen=True)
class OutgoingMail:
    """A mail ready to go: the SMTP envelope and the message's bytes (CRLF line ends)."""

    sender: str  # MAIL FROM
    recipient: str  # RCPT TO
    message_id: str
    data: bytes

    @property
    def international(self) -> bool:
        """Whether an envelope address is not ASCII (the server must offer SMTPUTF8)."""
        return not (self.sender.isascii() and self.recipient.isascii())

    def as_email(self) -> EmailMessage:
        """The mail parsed back, as a mail program reads it from a file (LF line ends)."""
        return message_from_bytes(self.data.replace(b"\r\n", b"\n"), policy=policy.default)


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


@lru_cache(maxsize=16)
def _sender(sender: str) -> tuple[str, str, str]:
    """MAIL_FROM as (envelope address, From header line, domain): the same for every mail."""
    address = parse_sender(sender)
    from_line = _address_header("From", address, utf8=not address.addr_spec.isascii())
    return address.addr_spec, from_line, address.domain


def _address_header(name: str, address, utf8: bool) -> str:
    """An address header as the email package writes it: a name that is not ASCII in
    encoded words, or everything as UTF-8 when the address itself is not ASCII (SMTPUTF8)."""
    holder = EmailMessage()
    holder[name] = address
    return policy.SMTP.clone(utf8=utf8).fold(name, holder[name])


def header(name: str, value: str) -> str:
    """One header, with its CRLF: always one logical line, folded under 78 characters.

    Every run of whitespace (line breaks of any kind included) becomes one space. A value
    that is printable ASCII goes as it is; any other value, and one that looks like an
    encoded word ("=?"), is sent as UTF-8 encoded words, so the receiver reads exactly
    the text we had and never a line break hidden in an encoded word.
    """
    value = " ".join(str(value).split())
    if value.isascii() and value.isprintable() and "=?" not in value:
        return _fold_words(name, value.split(" ")) if value else f"{name}: {CRLF}"
    return _encoded_words(name, value)


def _fold_words(name: str, words: list[str]) -> str:
    lines, line = [], f"{name}:"
    for word in words:
        if len(word) > MAX_WORD:
            raise ValueError(f"{name} has a word of {len(word)} characters")
        if len(line) + 1 + len(word) > MAX_LINE and line != f"{name}:":
            lines.append(line)
            line = ""
        line += " " + word
    lines.append(line)
    return CRLF.join(lines) + CRLF


def _encoded_words(name: str, value: str) -> str:
    """RFC 2047 base64 words of whole UTF-8 characters, each line within 76 characters."""
    raw = value.encode("utf-8")
    words, start = [], 0
    room = max((76 - len(name) - 2 - 12) // 4 * 3, 12)  # "Name: " and "=?utf-8?b?…?="
    while start < len(raw):
        end = min(start + room, len(raw))
        while end < len(raw) and raw[end] & 0xC0 == 0x80:  # not inside a character
            end -= 1
        words.append(f"=?utf-8?b?{b64encode(raw[start:end]).decode('ascii')}?=")
        start, room = end, 45  # " =?utf-8?b?" + 60 characters of base64 + "?="
    return f"{name}: " + f"{CRLF} ".join(words) + CRLF


def _part(subtype: str, text: str) -> bytes:
    """One text part: 7bit or 8bit when every line fits in 78 octets, else quoted-printable."""
    lines = text.encode("utf-8").splitlines()
    if max(map(len, lines), default=0) <= MAX_LINE:
        body = b"\r\n".join(lines) + b"\r\n"
        encoding = "7bit" if body.isascii() else "8bit"
    else:
        body = binascii.b2a_qp(b"\n".join(lines) + b"\n", istext=True).replace(b"\n", b"\r\n")
        encoding = "quoted-printable"
    return (f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
            f"Content-Transfer-Encoding: {encoding}{CRLF}{CRLF}").encode("ascii") + body


def compose(msg, sender: str) -> OutgoingMail:
    """Turn an outbox row into a multipart/alternative mail (text and HTML) from `sender`.

    The Message-ID depends only on the row, so a retry of a message that did arrive
    carries the same id and receiving systems can drop the duplicate. ValueError (or
    UnicodeError) when the row cannot make a mail: a bad address, a reserved or malformed
    extra header.
    """
    envelope_from, from_line, domain = _sender(sender)
    to = ascii_address(msg.to_addr)
    if DOT_ATOM_ADDRESS.fullmatch(to) and to.isprintable():
        to_line = f"To: {to}{CRLF}"
    else:  # quoted local parts and the like: leave them to the email package's parser
        to_line = _address_header("To", to, utf8=not to.isascii())
    created = msg.created_at or datetime.now(UTC)
    message_id = f"<outbox-{msg.id}.{created:%Y%m%d%H%M%S}@{domain}>"
    lines = [header("Subject", msg.subject or ""), from_line, to_line,
             f"Date: {formatdate(localtime=False)}{CRLF}",
             f"Message-ID: {message_id}{CRLF}", f"Auto-Submitted: auto-generated{CRLF}"]
    extra = getattr(msg, "headers", None)
    for name, value in (json.loads(extra) if extra else {}).items():
        # List-Unsubscribe and List-Unsubscribe-Post (RFC 8058)
        if (not name or not all(33 <= ord(c) <= 126 and c != ":" for c in name)
                or name.lower() in RESERVED):
            raise ValueError(f"not an extra header this mail may carry: {name[:40]!r}")
        lines.append(header(name, value))
    text, html = _part("plain", msg.body_text or ""), _part("html", msg.body_html or "")
    boundary = f"=_{os.urandom(16).hex()}"
    while boundary.encode("ascii") in text or boundary.encode("ascii") in html:
        boundary = f"=_{os.urandom(16).hex()}"  # pragma: no cover - 128 random bits
    lines += [f"MIME-Version: 1.0{CRLF}",
              f"Content-Type: multipart/alternative;{CRLF}", f' boundary="{boundary}"{CRLF}', CRLF]
    dash = f"--{boundary}{CRLF}".encode("ascii")
    data = b"".join((
        "".join(lines).encode("utf-8"), dash, text, CRLF.encode("ascii"), dash, html,
        f"{CRLF}--{boundary}--{CRLF}".encode("ascii"),
    ))
    return OutgoingMail(envelope_from, to, message_id, data)


def build_message(msg, sender: str) -> EmailMessage:
    """The mail of an outbox row (see `compose`) as an EmailMessage, as it is received."""
    return compose(msg, sender).as_email()
