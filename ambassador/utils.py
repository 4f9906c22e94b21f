"""Small shared pieces: UTC time, the UTC column type, service errors, tokens."""

import hashlib
import re
import secrets
import unicodedata
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from ambassador.constants import MAX_EMAIL


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (column defaults call this)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ServiceError(Exception):
    """A business rule refused the request; str(exc) is shown to the user."""

    status_code = 400


class NotFound(ServiceError):
    """The thing asked for does not exist (or is not visible to this user)."""

    status_code = 404


# PostgreSQL's deadlock_detected and serialization_failure: two transactions collided and
# the database chose one to abort; nothing of it was written, so trying again is safe.
LOST_RACE_SQLSTATES = ("40P01", "40001")


def lost_a_race(exc: BaseException) -> bool:
    """Whether a database error means another request changed the same rows at that moment."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in LOST_RACE_SQLSTATES


def new_token(nbytes: int = 32) -> str:
    """Return a random URL-safe token for one-time links and API keys."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


# One @, no spaces or list punctuation, a domain of non-empty dot-separated labels.
# The single email rule: accounts, the API and the CSV importer all use it.
# Control characters are never part of one (the importer's fast path relies on it).
EMAIL_RE = re.compile(r"^[^@\s<>\"',;\x00-\x1f\x7f]+@[^@\s<>\"',;.\x00-\x1f\x7f]+"
                      r"(?:\.[^@\s<>\"',;.\x00-\x1f\x7f]+)+$")


def email_characters_problem(email: str) -> str | None:
    """Why an address's characters are refused: hidden ones, or ones that fold under NFKC."""
    if email.isascii():
        return None
    for char in email:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            return (f"contains an invisible or control character (U+{ord(char):04X});"
                    " type the address again")
    if unicodedata.normalize("NFKC", email) != email:
        return "contains look-alike characters (such as a Kelvin sign or full-width letters)"
    return None


def normalise_email(value: str | None) -> str:
    """Return the email trimmed and lower-cased, or raise ServiceError when it is not one."""
    email = (value or "").strip()
    if not email:
        raise ServiceError(_("An email address is required."))
    if email_characters_problem(email):
        raise ServiceError(_("This email address contains an invisible, control or look-alike "
                             "character: type it again."))
    email = email.lower()
    if len(email) > MAX_EMAIL or not EMAIL_RE.match(email):
        raise ServiceError(_("'%(email)s' is not a valid email address.", email=email[:80]))
    return email
