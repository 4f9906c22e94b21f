"""The API's contract in one place: item validation and the OpenAPI document describing it.

The JSON Schemas below and `validate_items` describe the same rules; the tests send real
bodies through both so that the document cannot drift from the code. A few rules a schema
cannot express (a real date, an email address's syntax, valid Unicode, not in the future)
are stated in the descriptions.
"""

import difflib
import json
import re
from datetime import UTC, datetime

from ambassador.constants import (
    MAX_COMMENT,
    MAX_EMAIL,
    MAX_LANGUAGE,
    MAX_TEXT,
    RESPONSE_TEXT_LIMITS,
    TOUCHPOINTS,
)
from ambassador.imports.parsing import FIELDS
from ambassador.nps.rules import response_date_problem
from ambassador.utils import ServiceError, normalise_email, utcnow

MAX_ITEMS = 1000
MAX_ERRORS = 1000
MAX_UNKNOWN = 10
ID_RANGE = (-(2**63), 2**63 - 1)
ID_FIELDS = ("external_id", "contact_ref")
SCORE_PATTERN = "^([0-9]|10)$"
DATE_PATTERN = (
    "^([0-9]{4}-[0-9]{2}-[0-9]{2}"
    "([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?)?)?$"
)
SCORE_MESSAGE = "score must be a whole number from 0 to 10"
DATE_EXAMPLES = "such as 2026-11-24, 2026-11-24T14:05:00Z or 2026-11-24T17:05:00+03:00"


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
    problems: list[tuple[str | None, str]] = []
    unknown = [name for name in item if name not in FIELDS]
    for name in unknown[:MAX_UNKNOWN]:
        problems.append((_cut(name, 100), _unknown_message(name)))
    if len(unknown) > MAX_UNKNOWN:
        problems.append((None, f"and {len(unknown) - MAX_UNKNOWN:,} more unknown fields"))
    values: dict = {}
    for name in FIELDS:
        try:
            values[name] = _check(name, item.get(name), now)
        except ItemProblem as exc:
            problems.append((name, str(exc)))
    return values, problems


def _check(name: str, value, now: datetime):
    if name in ID_FIELDS:
        return _identifier(name, value)
    if name in RESPONSE_TEXT_LIMITS:
        return _text(name, value, RESPONSE_TEXT_LIMITS[name])
    if name == "responded_at":
        return _responded_at(value, now)
    return {"email": _email, "score": _score, "touchpoint": _touchpoint}[name](value)


def _email(value) -> str:
    if value is None or value == "":
        raise ItemProblem("email is required")
    if not isinstance(value, str):
        raise ItemProblem(f"email must be a string, not {kind(value)}")
    if len(value) > MAX_EMAIL:
        raise ItemProblem(f"email is too long ({len(value):,} characters, max {MAX_EMAIL})")
    _unicode("email", value)
    if any(ord(c) < 32 or ord(c) == 127 for c in value.strip()):
        raise ItemProblem("email must not contain control characters")
    try:
        return normalise_email(value)
    except ServiceError:
        raise ItemProblem(f"email is not a valid address (got {shown(value)})") from None


def _as_int(value) -> int | None:
    """The integer a JSON number stands for (9 or 9.0), or None (booleans are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _score(value) -> int:
    if value is None:
        raise ItemProblem("score is required")
    number = _as_int(value)
    if number is None and isinstance(value, str) and re.fullmatch(SCORE_PATTERN, value):
        number = int(value)
    if number is None or not 0 <= number <= 10:
        raise ItemProblem(f"{SCORE_MESSAGE} (got {shown(value)})")
    return number


def _responded_at(value, now: datetime) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ItemProblem(f"responded_at must be a string {DATE_EXAMPLES}, not {kind(value)}")
    if not re.fullmatch(DATE_PATTERN, value):
        raise ItemProblem(
            f"responded_at must be an ISO 8601 date or date-time {DATE_EXAMPLES}"
            f" (got {shown(value)})")
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ItemProblem(f"responded_at is not a real date (got {shown(value)})") from None
    problem = response_date_problem(moment, now)
    if problem:
        raise ItemProblem(f"responded_at {problem} (got {shown(value)})")
    return moment


def _touchpoint(value) -> str | None:
    if value is None or value == "":
        return None
    if value not in TOUCHPOINTS:
        raise ItemProblem(f"touchpoint must be relational or transactional (got {shown(value)})")
    return value


def _identifier(name: str, value) -> str | None:
    number = _as_int(value)
    if number is not None:
        if not ID_RANGE[0] <= number <= ID_RANGE[1]:
            raise ItemProblem(f"{name} is too large a number; send it as a string")
        return str(number)
    if value is not None and not isinstance(value, str):
        raise ItemProblem(f"{name} must be a string or an integer, not {kind(value)}")
    return _text(name, value, MAX_TEXT)


def _text(name: str, value, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ItemProblem(f"{name} must be a string, not {kind(value)}")
    if len(value) > limit:
        raise ItemProblem(f"{name} is too long ({len(value):,} characters, max {limit:,})")
    _unicode(name, value)
    return value.replace("\x00", "").strip() or None


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


# --- The OpenAPI document -------------------------------------------------------------

REF = "#/components/schemas/"


def _optional_text(limit: int, description: str) -> dict:
    return {"type": ["string", "null"], "maxLength": limit, "description": description}


def _identifier_schema(description: str) -> dict:
    return {"type": ["string", "integer", "null"], "maxLength": MAX_TEXT,
            "minimum": ID_RANGE[0], "maximum": ID_RANGE[1], "description": description}


ITEM_SCHEMA = {
    "type": "object",
    "required": ["email", "score"],
    "additionalProperties": False,
    "description": "One NPS answer. Unknown fields are rejected (so a typo is never silently "
                   "lost). For the optional fields, null and \"\" mean absent. Text is "
                   "trimmed and stored as plain text (HTML is not interpreted).",
    "properties": {
        "email": {"type": "string", "format": "email", "minLength": 1, "maxLength": MAX_EMAIL,
                  "description": "The customer's address; trimmed and lower-cased."},
        "score": {
            "description": "How likely the customer is to recommend you, 0-10: a JSON "
                           "integer or a string of one (\"9\"). 9.5, true and null are "
                           "rejected.",
            "anyOf": [{"type": "integer", "minimum": 0, "maximum": 10},
                      {"type": "string", "pattern": SCORE_PATTERN}],
        },
        "responded_at": {
            "type": ["string", "null"], "pattern": DATE_PATTERN,
            "description": "ISO 8601 date or date-time; without an offset it is UTC; "
                           "absent means now. A date alone is midnight UTC. From 2000-01-01 "
                           f"to at most one day in the future. Examples: {DATE_EXAMPLES[8:]}.",
            "examples": ["2026-11-24T14:05:00Z"],
        },
        "comment": _optional_text(MAX_COMMENT, "What the customer wrote."),
        "name": _optional_text(MAX_TEXT, "The customer's name (kept when already known)."),
        "company": _optional_text(MAX_TEXT, "The customer's company."),
        "external_id": _identifier_schema(
            "The survey tool's id for this answer: the de-duplication key. Without it, "
            "the same email + score + responded_at (to the second) is a duplicate."),
        "touchpoint": {"enum": [*TOUCHPOINTS, "", None],
                       "description": "relational (periodic survey) or transactional "
                                      "(after a purchase, a support ticket…)."},
        "contact_ref": _identifier_schema("Your reference for the contact (CRM id…)."),
        "language": _optional_text(MAX_LANGUAGE, "The answer's language, e.g. fr or tr-TR."),
    },
}

RESULT_SCHEMA = {
    "type": "object",
    "required": ["created", "duplicates", "ids", "items"],
    "additionalProperties": False,
    "properties": {
        "created": {"type": "integer", "minimum": 0,
                    "description": "Responses stored by this request."},
        "duplicates": {"type": "integer", "minimum": 0,
                       "description": "Items already known (or repeated in the request)."},
        "ids": {"type": "array", "items": {"type": "integer"},
                "description": "Ids of the responses created, in the order of the items."},
        "items": {
            "type": "array",
            "description": "One entry per item sent, in order.",
            "items": {
                "type": "object",
                "required": ["index", "id", "status"],
                "additionalProperties": False,
                "properties": {
                    "index": {"type": "integer", "minimum": 0},
                    "id": {"type": ["integer", "null"],
                           "description": "The stored response (for a duplicate: the one "
                                          "already there)."},
                    "status": {"enum": ["created", "duplicate"]},
                },
            },
        },
    },
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong, for a person."},
        "errors": {"type": "array", "items": {"$ref": REF + "ItemError"},
                   "description": "Per-item problems (400 for invalid items only); at most "
                                  f"{MAX_ERRORS:,} are listed."},
    },
}

ITEM_ERROR_SCHEMA = {
    "type": "object",
    "required": ["index", "field", "message"],
    "additionalProperties": False,
    "properties": {
        "index": {"type": "integer", "minimum": 0,
                  "description": "Position of the item in the array (0 for a single object)."},
        "field": {"type": ["string", "null"],
                  "description": "The field at fault (null: the item as a whole)."},
        "message": {"type": "string"},
    },
}


def _answer(description: str, schema: str = "Error", headers: dict | None = None) -> dict:
    answer = {"description": description,
              "content": {"application/json": {"schema": {"$ref": REF + schema}}}}
    return {**answer, "headers": headers} if headers else answer


API_DESCRIPTION = f"""Survey tools push NPS answers to Ambassador.

* Authenticate with `Authorization: Bearer TOKEN` (an admin creates tokens under
  *Admin → API tokens* or with `flask --app ambassador tokens create NAME`).
* Send `Content-Type: application/json`: one object, or an array of 1 to {MAX_ITEMS:,}.
  The body is at most 2 MiB.
* **All or nothing:** when any item is invalid, nothing from the request is stored and
  the 400 answer lists every problem by item index and field; fix them and send again.
* Re-sending is safe: known answers (same `external_id`, or same email, score and
  `responded_at` without one) are counted as duplicates, not stored twice. Send
  `external_id` or `responded_at` so that a retry is recognised: an item with neither
  is dated at its arrival.
* Each answer updates the customer's ambassador status (9-10 active, lower lapsed).
"""


def openapi_document(server_url: str) -> dict:
    """The OpenAPI 3.1 description of the API, served at /api/v1/openapi.json."""
    body_schema = {"oneOf": [
        {"$ref": REF + "ResponseItem"},
        {"type": "array", "items": {"$ref": REF + "ResponseItem"},
         "minItems": 1, "maxItems": MAX_ITEMS},
    ]}
    example = {"email": "ayse@example.com", "score": 10, "name": "Ayşe Yılmaz",
               "responded_at": "2026-11-24T14:05:00Z", "comment": "Très bon service",
               "external_id": "tf-8842", "touchpoint": "relational", "language": "tr"}
    retry = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
    challenge = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "RFC 6750."}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ambassador API", "version": "1.0.0",
                 "description": API_DESCRIPTION},
        "servers": [{"url": server_url}],
        "paths": {
            "/api/v1/responses": {"post": {
                "operationId": "postResponses",
                "summary": "Record NPS responses",
                "security": [{"bearerAuth": []}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": body_schema,
                    "examples": {"one": {"value": example},
                                 "many": {"value": [example, {"email": "luc@example.fr",
                                                              "score": "7"}]}},
                }}},
                "responses": {
                    "201": _answer("At least one response was stored.", "IngestResult"),
                    "200": _answer("Every item was already known: nothing new stored.",
                                   "IngestResult"),
                    "400": _answer("Malformed JSON, an empty or wrongly shaped body, or "
                                   "invalid items (listed in `errors`); nothing stored."),
                    "401": _answer("Missing, unknown or revoked token.", headers=challenge),
                    "413": _answer(f"Body over 2 MiB or more than {MAX_ITEMS:,} items."),
                    "415": _answer("Content-Type is not application/json."),
                    "429": _answer("Too many requests for this token; wait and retry.",
                                   headers=retry),
                },
            }},
            "/api/v1/openapi.json": {"get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document.", "content": {
                    "application/json": {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {
            "schemas": {"ResponseItem": ITEM_SCHEMA, "IngestResult": RESULT_SCHEMA,
                        "Error": ERROR_SCHEMA, "ItemError": ITEM_ERROR_SCHEMA},
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "An API token created by an admin."}},
        },
    }
