"""API tokens: created once, shown once, stored as a hash, revocable."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ambassador.audit import record_action
from ambassador.auth.models import ApiToken
from ambassador.auth.services import Conflict
from ambassador.extensions import db
from ambassador.utils import NotFound, ServiceError, hash_token, new_token, utcnow

PREFIX = "amb_"


def create_api_token(name: str, actor=None) -> tuple[ApiToken, str]:
    """Create a token (audited); return the row and the secret, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Give the token a name, such as the survey tool that will use it."))
    if len(name) > 100:
        raise ServiceError(_("A token name has at most 100 characters."))
    # Worded before the INSERT: after a failed flush the session can load nothing more.
    taken = _("There is already a live token named “%(name)s”: revoke it first "
              "or choose another name.", name=name)
    raw = PREFIX + new_token(32)
    token = ApiToken(name=name, token_hash=hash_token(raw), prefix=raw[:8])
    db.session.add(token)
    try:
        db.session.flush()
    except IntegrityError as exc:
        # The partial unique index on live names decides (no check-then-insert race);
        # the caller rolls back, as for any ServiceError.
        raise Conflict(taken) from exc
    record_action(actor, "token.created", token, after={"name": name, "prefix": token.prefix})
    return token, raw


def revoke_api_token(token_id: int, actor=None) -> ApiToken:
    """Revoke a token (audited): requests with it get 401 from now on."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_action(actor, "token.revoked", token, before={"revoked": False},
                      after={"revoked": True, "name": token.name})
    return token


def find_api_token(raw: str | None) -> ApiToken | None:
    """Return the live token for a bearer secret, or None (changes nothing)."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None:
        return None
    return token


def authenticate_api_token(raw: str | None) -> ApiToken | None:
    """Return the live token for a bearer secret, or None; stamps its last use."""
    token = find_api_token(raw)
    if token is not None:
        token.last_used_at = utcnow()
    return token


def list_api_tokens() -> list[ApiToken]:
    """All tokens, newest first."""
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(db.session.scalars(stmt))
