"""The JSON API for survey tools: POST /api/v1/responses and its OpenAPI description.

Bearer-token auth, then content type, size, JSON, items; validation is all-or-nothing,
so a request either stores every new item or nothing at all.
"""

import json
from functools import wraps

from flask import Blueprint, current_app, jsonify, request
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from ambassador.api.schema import MAX_ERRORS, MAX_ITEMS, openapi_document
from ambassador.api.validation import kind, validate_conversion, validate_items
from ambassador.auth.access import public
from ambassador.auth.tokens import authenticate_api_token, find_api_token
from ambassador.extensions import db, limiter
from ambassador.nps.models import Response
from ambassador.nps.services import dedupe_key, record_responses
from ambassador.referrals import rewards
from ambassador.referrals.services import referral_for_email
from ambassador.utils import ServiceError, utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DEFAULT_RATE_LIMIT = "120 per minute"
REALM = 'Bearer realm="ambassador"'


class BodyError(Exception):
    """The request body as a whole is unusable; nothing is stored."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _bearer() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def api_token_required(view):
    """Run the view only with a live bearer token; otherwise 401."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        secret = _bearer()
        token = authenticate_api_token(secret)
        if token is None:
            if secret is None:
                message, challenge = ("Missing bearer token: send the header "
                                      "'Authorization: Bearer TOKEN'.", REALM)
            else:
                message = "Unknown or revoked API token."
                challenge = f'{REALM}, error="invalid_token", error_description="{message}"'
            response = jsonify(error=message)
            response.status_code = 401
            response.headers["WWW-Authenticate"] = challenge
            return response
        return view(*args, **kwargs)

    return wrapped


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def _rate_key() -> str:
    """Per token id (however the header is spelt), or per address without a live token."""
    token = find_api_token(_bearer())
    if token is not None:
        return f"api-token:{token.id}"
    return "api-addr:" + get_remote_address()


def _rate_message() -> str:
    return f"Too many requests: at most {_rate_limit()} per token. Wait and retry."


def _read_body() -> bytes:
    """The raw body after the content-type and size checks; BodyError otherwise."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        shown = request.mimetype or "none"
        raise BodyError(415, f"Send JSON with 'Content-Type: application/json' (got {shown}).")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise BodyError(415, f"Send the JSON in UTF-8 (got charset={charset}).")
    limit = current_app.config["API_MAX_BODY"]
    too_large = BodyError(413, f"The body is larger than {limit // 1024 // 1024} MiB; "
                               f"send at most {MAX_ITEMS:,} items per request.")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    chunks, size = [], 0
    try:
        while size <= limit:
            chunk = request.stream.read(min(64 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except RequestEntityTooLarge:
        raise too_large from None
    if size > limit:
        raise too_large
    return b"".join(chunks)


class _NotJson(ValueError):
    """NaN or Infinity, which Python's json module would otherwise accept."""


def _reject_constant(name: str):
    raise _NotJson(f"{name} is not a JSON value")


def _unique_keys(pairs: list) -> dict:
    """An object whose keys are all different: with a repeated key, which value counts?"""
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _NotJson(f'the key "{key[:40]}" appears twice in one object')
        seen[key] = value
    return seen


def parse_body(raw: bytes) -> list:
    """The list of items in a JSON body (an object counts as a list of one); or BodyError."""
    if not raw.strip():
        raise BodyError(400, "The body is empty: send a JSON object or an array of objects.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BodyError(400, f"The body is not valid UTF-8 (byte {exc.start}).") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise BodyError(400, "The body is not valid JSON: it is nested too deeply.") from None
    except json.JSONDecodeError as exc:
        raise BodyError(400, f"The body is not valid JSON: {exc}.") from None
    except ValueError as exc:  # NaN / Infinity, or an integer of thousands of digits
        reason = str(exc) if isinstance(exc, _NotJson) else "a number is too long"
        raise BodyError(400, f"The body is not valid JSON: {reason}.") from None
    if isinstance(data, dict):
        return [data]
    if not isinstance(data, list):
        raise BodyError(400, "The body must be a JSON object or an array of objects, "
                             f"not {kind(data)}.")
    if not data:
        raise BodyError(400, "No items: send one response object or a non-empty array.")
    if len(data) > MAX_ITEMS:
        raise BodyError(413, f"Too many items: {len(data):,} in one request, at most "
                             f"{MAX_ITEMS:,}. Send them in several requests.")
    return data


def _answer(body: dict, status: int):
    db.session.commit()  # the token's last_used_at, and the responses when there are any
    return jsonify(body), status


@bp.route("/responses", methods=["POST"])
@public
@limiter.limit(_rate_limit, key_func=_rate_key, error_message=_rate_message)
@api_token_required
def post_responses():
    """Record NPS responses from a survey tool: 201 created, 200 all known, 4xx refused."""
    try:
        items = parse_body(_read_body())
    except BodyError as exc:
        return _answer({"error": exc.message}, exc.status)
    values, errors = validate_items(items)
    if errors:
        invalid = len({e["index"] for e in errors})
        message = (f"{invalid:,} of {len(items):,} items are invalid; nothing was stored."
                   if len(items) > 1 else "The item is invalid; nothing was stored.")
        if len(errors) > MAX_ERRORS:
            message += f" The first {MAX_ERRORS:,} of {len(errors):,} problems are listed."
        return _answer({"error": message, "errors": errors[:MAX_ERRORS]}, 400)
    now = utcnow()
    for item in values:
        item["responded_at"] = item["responded_at"] or now
    result = record_responses(values, source="api")
    return _answer(_outcome(values, result), 201 if result.created else 200)


def _outcome(values: list[dict], result) -> dict:
    """The answer body: counts, and each item's response id and whether it was new."""
    keys = [dedupe_key(item) for item in values]
    stored = dict(db.session.execute(
        select(Response.dedupe_key, Response.id).where(Response.dedupe_key.in_(set(keys)))
    ).all())
    created, seen, items = set(result.response_ids), set(), []
    for index, key in enumerate(keys):
        response_id = stored.get(key)
        new = response_id in created and key not in seen
        seen.add(key)
        items.append({"index": index, "id": response_id,
                      "status": "created" if new else "duplicate"})
    return {"created": result.created, "duplicates": result.duplicates,
            "ids": [item["id"] for item in items if item["status"] == "created"],
            "items": items}


@bp.route("/conversions", methods=["POST"])
@public
@limiter.limit(_rate_limit, key_func=_rate_key, error_message=_rate_message)
@api_token_required
def post_conversion():
    """A referred friend became a customer: convert the referral once, reward it once."""
    try:
        items = parse_body(_read_body())
    except BodyError as exc:
        return _answer({"error": exc.message}, exc.status)
    if len(items) != 1:
        return _answer({"error": "Send one conversion object per request, not an array."}, 400)
    values, errors = validate_conversion(items[0])
    if errors:
        return _answer({"error": "The conversion is invalid; nothing was changed.",
                        "errors": errors}, 400)
    referral_id = values.get("referral_id")
    if "email" in values:
        referral = referral_for_email(values["email"])
        if referral is None:
            return _answer({"error": "No referral has this email."}, 404)
        referral_id = referral.id
    try:
        result = rewards.convert(referral_id, "api")
    except ServiceError as exc:
        db.session.rollback()
        return _answer({"error": str(exc)}, exc.status_code)
    reward = result.reward
    body = {"referral_id": result.referral.id,
            "status": "converted" if result.created else "already_converted",
            "reward": None if reward is None else {
                "kind": reward.kind, "amount": reward.amount, "state": reward.state,
                "earn_after": reward.earn_after.isoformat() if reward.earn_after else None},
            "no_reward_reason": result.referral.no_reward_reason}
    return _answer(body, 201 if result.created else 200)


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 description of this API; public and cacheable."""
    response = jsonify(openapi_document(current_app.config["BASE_URL"]))
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
