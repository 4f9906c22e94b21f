"""The API's contract in one place: the JSON Schema of an item and the OpenAPI document.

The schema is written once, here: the OpenAPI document serves it, and
`api/validation.py` checks every item against it at run time, adding only the rules a
schema cannot say (a real date, not in the future; an email address's syntax; valid
Unicode; no control characters), which the descriptions state.
"""

from ambassador.constants import (
    MAX_COMMENT,
    MAX_EMAIL,
    MAX_LANGUAGE,
    MAX_SCORE,
    MAX_TEXT,
    MIN_SCORE,
    TOUCHPOINTS,
)

MAX_ITEMS = 1000
MAX_ERRORS = 1000
ID_RANGE = (-(2**63), 2**63 - 1)
SCORE_PATTERN = "^([0-9]|10)$"
DATE_PATTERN = (
    "^([0-9]{4}-[0-9]{2}-[0-9]{2}"
    "([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?)?)?$"
)
DATE_EXAMPLES = "such as 2026-11-24, 2026-11-24T14:05:00Z or 2026-11-24T17:05:00+03:00"

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
            "anyOf": [{"type": "integer", "minimum": MIN_SCORE, "maximum": MAX_SCORE},
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

CONVERSION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": "A referred friend became a customer: name them by the email they signed "
                   "up with or by the referral's id (exactly one of the two). Sending the "
                   "same conversion again is safe: a referral converts, and is rewarded, "
                   "once.",
    "properties": {
        "email": {"type": "string", "format": "email", "minLength": 1, "maxLength": MAX_EMAIL,
                  "description": "The friend's address; trimmed and lower-cased."},
        "referral_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                        "description": "The referral's id (as in the referrals export)."},
    },
    "oneOf": [{"required": ["email"]}, {"required": ["referral_id"]}],
}

CONVERSION_RESULT_SCHEMA = {
    "type": "object",
    "required": ["referral_id", "status", "reward"],
    "additionalProperties": False,
    "properties": {
        "referral_id": {"type": "integer"},
        "status": {"enum": ["converted", "already_converted"]},
        "reward": {
            "description": "The ambassador's reward for this conversion; null when there is "
                           "none (see no_reward_reason).",
            "oneOf": [{"type": "null"}, {
                "type": "object", "required": ["kind", "amount", "state"],
                "additionalProperties": False,
                "properties": {
                    "kind": {"enum": ["points", "credit"]},
                    "amount": {"type": "integer",
                               "description": "Points, or the credit in cents."},
                    "state": {"enum": ["pending", "earned", "redeemed", "reversed"]},
                    "earn_after": {"type": ["string", "null"], "format": "date-time"},
                },
            }],
        },
        "no_reward_reason": {"type": ["string", "null"],
                             "description": "lapsed (the ambassador was not active at the "
                                            "conversion) or no_reward (the offer has none)."},
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


API_DESCRIPTION = f"""Survey tools push NPS answers to Ambassador; shops and CRMs tell it
which referred friends became customers (`POST /api/v1/conversions`).

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
            "/api/v1/conversions": {"post": {
                "operationId": "postConversion",
                "summary": "Record that a referred friend became a customer",
                "description": "Converts the referral once and gives its ambassador the "
                               "offer's reward once (pending for the clawback window). Two "
                               "calls at once convert it once: the second answers 200.",
                "security": [{"bearerAuth": []}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": REF + "Conversion"},
                    "examples": {"email": {"value": {"email": "friend@example.com"}},
                                 "id": {"value": {"referral_id": 42}}},
                }}},
                "responses": {
                    "201": _answer("The referral converted now.", "ConversionResult"),
                    "200": _answer("The referral had already converted: nothing changed.",
                                   "ConversionResult"),
                    "400": _answer("Malformed JSON or an invalid body (listed in `errors`)."),
                    "401": _answer("Missing, unknown or revoked token.", headers=challenge),
                    "404": _answer("No referral for this email or id."),
                    "409": _answer("The referral is not eligible (rejected after review, "
                                   "the ambassador's own address, an existing customer)."),
                    "413": _answer("Body over 2 MiB."),
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
                        "Conversion": CONVERSION_SCHEMA,
                        "ConversionResult": CONVERSION_RESULT_SCHEMA,
                        "Error": ERROR_SCHEMA, "ItemError": ITEM_ERROR_SCHEMA},
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "An API token created by an admin."}},
        },
    }
