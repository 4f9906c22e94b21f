"""Cell values: score, email, touchpoint and the capped free-text fields."""

from __future__ import annotations

import re

from ambassador.constants import MAX_EMAIL, MAX_TEXT, TOUCHPOINTS
from ambassador.utils import EMAIL_RE, email_characters_problem

_SCORE = re.compile(
    r"(-?\d+)(?:[.,](\d+))?"                      # 9, 9,0, 9.0, -1, 9.5
    r"(?:\s*[-\u2013\u2014:]\s*\D.*|\s*\(.*\)|\s+\D.*)?",  # 10 - Extremely likely, 10 (...)
    re.DOTALL,
)
# Touchpoints as survey exports write them (English, French, Turkish), folded.
_TOUCHPOINTS = {
    **{name: name for name in TOUCHPOINTS},
    "relationnel": "relational", "ilişkisel": "relational",
    "transactionnel": "transactional", "işlemsel": "transactional",
}


class ValueProblem(ValueError):
    """A cell that cannot be accepted; str() is the user-facing reason."""


def printable(value: str) -> str:
    """`value` with control and invisible characters written as escapes (\\x00, \\u202e)."""
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode()
                   for c in value)


def shown(value: str, limit: int = 60) -> str:
    """A cell quoted for a message, shortened when long, its hidden characters made visible."""
    value = printable(value.strip())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return f"'{value}'"


def parse_score(raw: str) -> int:
    """The 0-10 score in a cell ("9", "9,0", "10 - Extremely likely"), or ValueProblem."""
    if len(raw) <= 2 and raw.isascii() and raw.isdigit():  # fast path for the common case
        value = int(raw)
        if value > 10:
            raise ValueProblem(f"score {value} is outside 0-10")
        return value
    text = raw.strip()
    if not text:
        raise ValueProblem("score is missing")
    match = _SCORE.fullmatch(text)
    if match is None:
        raise ValueProblem(f"invalid score {shown(text)}")
    whole, fraction = match.groups()
    if fraction and fraction.strip("0"):
        raise ValueProblem(f"score {shown(text)} is not a whole number")
    value = int(whole)
    if not 0 <= value <= 10:
        raise ValueProblem(f"score {value} is outside 0-10")
    return value


def is_score(raw: str) -> bool:
    """True when a non-empty cell parses as a 0-10 score."""
    try:
        parse_score(raw)
        return True
    except ValueProblem:
        return False


def parse_email(raw: str) -> str:
    """The stripped, lower-cased email address in a cell, or ValueProblem."""
    text = raw.strip()
    if not text:
        raise ValueProblem("email is missing")
    if len(text) > MAX_EMAIL:
        raise ValueProblem(f"email is too long ({len(text):,} characters, max {MAX_EMAIL})")
    problem = email_characters_problem(text)
    if problem:
        raise ValueProblem(f"email {problem}")
    if EMAIL_RE.fullmatch(text) is None:
        raise ValueProblem(f"invalid email {shown(text)}")
    return text.lower()


def parse_touchpoint(raw: str) -> str | None:
    """The touchpoint, "relational" or "transactional" (English, French, Turkish), or None."""
    text = raw.strip()
    if not text:
        return None
    value = _TOUCHPOINTS.get(text.casefold().replace("\u0307", ""))
    if value is None:
        raise ValueProblem(
            f"unknown touchpoint {shown(text)} (use relational or transactional)")
    return value


def parse_text(raw: str, label: str, limit: int = MAX_TEXT) -> str | None:
    """A stripped free-text cell (None when empty); too long is a ValueProblem."""
    text = raw.strip()
    if not text:
        return None
    if "\x00" in text:
        text = text.replace("\x00", "")
    if len(text) > limit:
        raise ValueProblem(f"{label} is too long ({len(text):,} characters, max {limit:,})")
    return text
