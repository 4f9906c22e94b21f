"""The signed token of a check-in mail's links: bound to one check-in, valid 30 days.

The token carries the check-in's id and the moment its mail was written; the signature
(SECRET_KEY, its own salt) makes it unforgeable, and nothing about it is stored.
"""

from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "checkin-answer"
VALID = timedelta(days=30)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def answer_token(checkin_id: int, issued: datetime) -> str:
    """The token of one check-in mail written at `issued`."""
    return _serializer().dumps([checkin_id, int(issued.timestamp())])


def read_answer_token(token: str) -> tuple[int, datetime] | None:
    """(check-in id, moment the mail was written) of a genuine token, else None."""
    if not token or len(token) > 200:
        return None
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if (not isinstance(data, list) or len(data) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in data)):
        return None
    try:
        return data[0], datetime.fromtimestamp(data[1], UTC)
    except (OverflowError, OSError, ValueError):
        return None


def expires_at(issued: datetime) -> datetime:
    """When the links of a mail written at `issued` stop recording answers."""
    return issued + VALID
