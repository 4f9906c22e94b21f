"""Checking the items of POST /api/v1/responses against the schema the document serves.

Every item goes through `ITEM_SCHEMA` (jsonschema, Draft 2020-12), so what the OpenAPI
document promises is what the API enforces. Its errors become messages a person can act
on, one per field. Only what a schema cannot say is written here: a real date, not
before 2000 nor in the future; the email rule shared with accounts and the importer;
valid Unicode; and turning the accepted JSON into the values `record_responses` takes.
"""

import difflib
import json
from datetime import UTC, datetime

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ambassador.api.schema import CONVERSION_SCHEMA, DATE_EXAMPLES, ITEM_SCHEMA
from ambassador.imports.parsing import FIELDS
from ambassador.nps.rules import response_date_problem
from ambassador.text import text_problem
from ambassador.utils import ServiceError, email_characters_problem, normalise_email, utcnow

MAX_UNKNOWN = 10
ID_FIELDS = ("external_id", "contact_ref")
SCORE_MESSAGE = "score must be a whole number from 0 to 10"
ITEM_VALIDATOR = Draft202012Validator(ITEM_SCHEMA)
CONVERSION_VALIDATOR = Draft202012Validator(CONVERSION_SCHEMA)
PROPERTIES = ITEM_SCHEMA["properties"]
REQUIRED = frozenset(ITEM_SCHEMA["required"])
_TYPE_NAMES = {"string": "a string", "integer": "an integer", "number": "a number",
               "object": "an object", "array": "an array", "boolean": "a boolean"}


class ItemProblem(ValueError):
    """One field of one item cannot be accepted; str() is the message."""


def validate_items(items: list) -> tuple[list[dict], list[dict]]:
    """Check every item; return the clean values and the errors as {index, field, message}."""
    now = utcnow()
    clean, errors = [], []
    for index, item in enumerate(items):
        values, problems = validate_item(item, now)
        clean.append(values)
        errors.extend({"index": index, "field": f, "message": m} for f, m in problems)
    return clean, errors


def validate_item(item, now: datetime) -> tuple[dict, list[tuple[str | None, str]]]:
    """Check one item; return the values record_responses takes and (field, message) pairs."""
    if not isinstance(item, dict):
        return {}, [(None, f"each item must be a JSON object, not {kind(item)}")]
    refused: dict[str, str] = {}
    unknown: list[str] = []
    for error in ITEM_VALIDATOR.iter_errors(item):
        if error.validator == "additionalProperties":
            unknown = [name for name in item if name not in PROPERTIES]
        elif error.validator == "required":
            for name in error.validator_value:
                if name not in item:
                    refused.setdefault(name, f"{name} is required")
        elif error.path:
            name = error.path[0]
            refused.setdefault(name, schema_message(name, item[name], error))
    problems: list[tuple[str | None, str]] = [
        (_cut(name, 100), _unknown_message(name)) for name in unknown[:MAX_UNKNOWN]]
    if len(unknown) > MAX_UNKNOWN:
        problems.append((None, f"and {len(unknown) - MAX_UNKNOWN:,} more unknown fields"))
    values: dict = {}
    for name in FIELDS:
        if name in refused:
            problems.append((name, refused[name]))
            continue
        try:
            values[name] = _accepted(name, item.get(name), now)
        except ItemProblem as exc:
            problems.append((name, str(exc)))
    return values, problems


def validate_conversion(item) -> tuple[dict, list[dict]]:
    """Check a conversion body; return {email} or {referral_id} and the errors as the API lists
    them ({index: 0, field, message})."""
    if not isinstance(item, dict):
        return {}, [{"index": 0, "field": None,
                     "message": f"the body must be a JSON object, not {kind(item)}"}]
    problems: list[tuple[str | None, str]] = []
    unknown = [name for name in item if name not in CONVERSION_SCHEMA["properties"]]
    problems += [(_cut(name, 100), f"unknown field {shown(name)}; known fields: email, "
                                   "referral_id") for name in unknown[:MAX_UNKNOWN]]
    present = [name for name in ("email", "referral_id") if name in item]
    if len(present) != 1:
        problems.append((None, "send exactly one of email and referral_id"))
    for error in CONVERSION_VALIDATOR.iter_errors(item):
        if error.path and error.path[0] in CONVERSION_SCHEMA["properties"]:
            name = error.path[0]
            if name == "referral_id":
                problems.append((name, "referral_id must be a whole number from 1 to "
                                       f"2147483647 (got {shown(item[name])})"))
            else:
                problems.append((name, schema_message(name, item[name], error)))
    values: dict = {}
    if not problems and "email" in item:
        try:
            values["email"] = _email(item["email"])
        except ItemProblem as exc:
            problems.append(("email", str(exc)))
    elif not problems:
        values["referral_id"] = item["referral_id"]
    return values, [{"index": 0, "field": f, "message": m} for f, m in problems]


def schema_message(name: str, value, error: ValidationError) -> str:
    """What the schema's refusal of `value` means, said for a person fixing the item."""
    if value is None and name in REQUIRED:
        return f"{name} is required"
    if name == "score":
        return f"{SCORE_MESSAGE} (got {shown(value)})"
    if name == "responded_at":
        if not isinstance(value, str):
            return f"responded_at must be a string {DATE_EXAMPLES}, not {kind(value)}"
        return (f"responded_at must be an ISO 8601 date or date-time {DATE_EXAMPLES}"
                f" (got {shown(value)})")
    rule = error.validator
    if rule == "minLength":
        return f"{name} is required"
    if rule == "maxLength":
        return (f"{name} is too long ({len(value):,} characters, "
                f"max {error.validator_value:,})")
    if rule in ("minimum", "maximum"):
        return f"{name} is too large a number; send it as a string"
    if rule == "enum":
        allowed = " or ".join(v for v in error.validator_value if v)
        return f"{name} must be {allowed} (got {shown(value)})"
    if rule == "type":
        types = [t for t in _as_list(error.validator_value) if t != "null"]
        return f"{name} must be {' or '.join(_TYPE_NAMES[t] for t in types)}, not {kind(value)}"
    return f"{name}: {error.message}"


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# --- What the schema cannot say -------------------------------------------------------

def _accepted(name: str, value, now: datetime):
    """The stored form of a value the schema accepted, after the rules beyond it."""
    if name == "email":
        return _email(value)
    if name == "score":
        return int(value)  # 9, 9.0 or "9"
    if name == "responded_at":
        return _responded_at(value, now)
    if name == "touchpoint":
        return value or None
    if name in ID_FIELDS and isinstance(value, int | float):
        return str(int(value))
    return _text(name, value)


def _email(value: str) -> str:
    _unicode("email", value)
    if any(ord(c) < 32 or ord(c) == 127 for c in value.strip()):
        raise ItemProblem("email must not contain control characters")
    problem = email_characters_problem(value.strip())
    if problem:
        raise ItemProblem(f"email {problem}")
    try:
        return normalise_email(value)
    except ServiceError:
        raise ItemProblem(f"email is not a valid address (got {shown(value)})") from None


def _responded_at(value, now: datetime) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ItemProblem(f"responded_at is not a real date (got {shown(value)})") from None
    problem = response_date_problem(moment, now)
    if problem:
        raise ItemProblem(f"responded_at {problem} (got {shown(value)})")
    return moment


# Free text that may span lines; every other text field (name, company …) is one line,
# as the house rule for typed text says (ambassador/text.py), so it can go into a mail header.
MULTILINE_FIELDS = frozenset({"comment"})


def _text(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    _unicode(name, value)
    value = value.replace("\x00", "")
    problem = text_problem(value, multiline=name in MULTILINE_FIELDS)
    if problem:
        raise ItemProblem(f"{name} {problem}")
    return value.strip() or None


def _unicode(name: str, value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ItemProblem(f"{name} contains invalid Unicode (a lone surrogate)") from None


def _unknown_message(name: str) -> str:
    close = difflib.get_close_matches(name.strip().lower(), FIELDS, n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else f"; known fields: {', '.join(FIELDS)}"
    return f"unknown field {shown(name)}{hint}"


def kind(value) -> str:
    """The JSON type of a value, for messages: "a string", "an array", "null"…."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def shown(value) -> str:
    """A value quoted as JSON for a message, shortened when long; containers by their type."""
    if isinstance(value, list | dict):
        return kind(value)
    return _cut(json.dumps(value, ensure_ascii=False), 60)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
