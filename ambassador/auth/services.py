"""Accounts: creating people, roles, passwords, one-time password links."""

import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from werkzeug.security import check_password_hash, generate_password_hash

from ambassador.audit import record_action
from ambassador.auth.models import ROLES, PasswordToken, User
from ambassador.extensions import db
from ambassador.i18n import LANGUAGES, person_language, recipient_language
from ambassador.mail.services import queue_mail
from ambassador.urls import absolute_url
from ambassador.utils import ServiceError, hash_token, new_token, normalise_email, utcnow

MIN_PASSWORD = 10
MAX_PASSWORD = 256
SETUP_LINK_HOURS = 24 * 7
# Checked against when the email is unknown, so that both paths cost the same.
_DUMMY_HASH = None


class Conflict(ServiceError):
    """The request clashes with the current state (duplicate email, last admin)."""

    status_code = 409


def _unknown_role(role) -> str:
    return _("Unknown role '%(role)s': use one of %(roles)s.", role=str(role)[:40],
             roles=", ".join(ROLES))


def _hash(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def get_user_by_email(email: str) -> User | None:
    """Return the user with this email (any case), or None."""
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


# Long enough, yet the first guesses of anyone trying: the commonest passwords of 10 or
# more characters in published breach lists (shorter ones fail the length rule anyway).
COMMON_PASSWORDS = frozenset("""
1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx3edc 123456789a 123456789q 1234567890q 123123123123
a123456789 aa12345678 abcd123456 azertyuiop iloveyou12 password12 password123
password1234 passwort123 motdepasse motdepasse123 parola1234 qwerty1234 qwerty12345
qwerty123456 qwertyuiop qwertyuiop1 q1w2e3r4t5 zaq12wsxcde sifre12345 welcome123
letmein123 changeme123
""".split())
_RUNS = ("01234567890", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "azertyuiop",
         "asdfghjkl", "qsdfghjklm", "zxcvbnm", "wxcvbn")


def _guessable(password: str) -> str | None:
    """Why a long enough password is still among the first guesses, or None."""
    plain = "".join(password.lower().split())
    if len(set(plain)) <= 2:
        return _("This password is too easy to guess: it repeats one or two characters. "
                 "Choose another: three or four unrelated words work well.")
    if any(plain in run or plain in run[::-1] for run in _RUNS):
        return _("This password is too easy to guess: it is a row of keys or a run of "
                 "letters or digits. Choose another: three or four unrelated words work well.")
    if plain in COMMON_PASSWORDS:
        return _("This password is one of the most common ones, the first any attacker "
                 "tries. Choose another: three or four unrelated words work well.")
    return None


def check_password_rules(password: str | None, email: str | None = None) -> None:
    """Raise ServiceError when a new password is too short, too long or easily guessed."""
    if len(password or "") < MIN_PASSWORD:
        raise ServiceError(_("The password needs at least %(num)d characters.", num=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        raise ServiceError(_("The password can have at most %(num)d characters.", num=MAX_PASSWORD))
    problem = _guessable(password)
    if problem:
        raise ServiceError(problem)
    if email:
        _check_not_the_address(password, email)


def _check_not_the_address(password: str, email: str) -> None:
    local, typed = email.split("@")[0].lower(), password.lower()
    if email.lower() in typed or (
            len(local) >= 4 and typed.startswith(local) and len(typed) - len(local) < 6):
        raise ServiceError(_("The password must not be your email address, or the part "
                             "before the @ with a few characters added: anyone who knows "
                             "your address would try it."))


def create_user(email: str, role: str, name: str = "", password: str | None = None,
                customer_id: int | None = None) -> User:
    """Create a user with a role; without a password they need a set-password link."""
    email = normalise_email(email)
    if role not in ROLES:
        raise ServiceError(_unknown_role(role))
    if password is not None:
        check_password_rules(password, email)
    if get_user_by_email(email):
        raise Conflict(_("There is already an account for %(email)s.", email=email))
    user = User(email=email, role=role, name=(name or "").strip()[:255],
                session_token=new_token(16), customer_id=customer_id)
    if password is not None:
        user.password_hash = _hash(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:
        # Lost a race on the unique email; the caller rolls back, as for any ServiceError.
        raise Conflict(_("There is already an account for %(email)s.", email=email)) from exc
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password: ends every other session and kills open password links."""
    check_password_rules(password, user.email)
    user.password_hash = _hash(password)
    user.session_token = new_token(16)
    _kill_password_links(user)


def end_sessions(user: User) -> None:
    """Log out: every cookie carrying the old session token stops working, on every device."""
    user.session_token = new_token(16)


def _kill_password_links(user: User) -> None:
    db.session.execute(
        update(PasswordToken)
        .where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def authenticate(email: str, password: str) -> User | None:
    """Return the active user for these credentials, or None (same cost either way)."""
    global _DUMMY_HASH
    user = get_user_by_email(email)
    if user is None or not user.password_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = _hash("not-a-real-password")
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or user.disabled:
        return None
    user.last_login_at = utcnow()
    return user


def load_session_user(identity: str) -> User | None:
    """Return the user for a session identity "id:token" while it is still valid."""
    user_id, _, token = (identity or "").partition(":")
    if not user_id.isdigit() or len(user_id) > 18 or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.disabled:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def issue_password_link(user: User, purpose: str = "reset") -> str:
    """Create a single-use set/reset-password link and return its absolute URL."""
    hours = current_app.config["PASSWORD_RESET_HOURS"] if purpose == "reset" else SETUP_LINK_HOURS
    raw = new_token()
    db.session.add(PasswordToken(
        user_id=user.id, token_hash=hash_token(raw), purpose=purpose,
        expires_at=utcnow() + timedelta(hours=hours),
    ))
    db.session.flush()
    return absolute_url("auth.reset_password", token=raw)


def _recent_reset_links(user: User) -> int:
    """How many reset links this account was sent in the last hour."""
    return db.session.scalar(
        select(func.count(PasswordToken.id)).where(
            PasswordToken.user_id == user.id, PasswordToken.purpose == "reset",
            PasswordToken.created_at > utcnow() - timedelta(hours=1))
    )


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this email; say nothing either way.

    At most RESET_MAILS_PER_HOUR links per account: further requests send nothing.
    """
    user = get_user_by_email(normalise_email(email))
    if user is None or user.disabled:
        return
    if _recent_reset_links(user) >= current_app.config["RESET_MAILS_PER_HOUR"]:
        return
    link = issue_password_link(user, "reset")
    queue_mail(user.email, "password_reset", _l("Reset your Ambassador password"),
               locale=recipient_language(user), user=user, link=link,
               hours=current_app.config["PASSWORD_RESET_HOURS"])


def find_password_token(raw: str) -> PasswordToken | None:
    """The token of a link, open or dead; None for an unknown link."""
    if not raw or len(raw) > 200:
        return None
    return db.session.scalar(
        select(PasswordToken).where(PasswordToken.token_hash == hash_token(raw))
    )


def password_link_language(raw: str) -> str | None:
    """The language of the person a link was sent to, open or dead; None when it names
    nobody (unknown, or a disabled account: its page says "not valid" as for a stranger)."""
    token = find_password_token(raw)
    if token is None or token.user.disabled:
        return None
    return person_language(token.user)


def password_link_used_by(raw: str, user) -> bool:
    """Whether this link is used up and `user` (logged in) is the account it belongs to:
    their password is set and they are in, so a second submit has nothing left to do."""
    token = find_password_token(raw)
    return (token is not None and token.used_at is not None
            and bool(getattr(user, "is_authenticated", False)) and token.user_id == user.id)


def check_password_token(raw: str) -> PasswordToken:
    """Return the open token for a link, or raise ServiceError saying why it is dead."""
    token = find_password_token(raw)
    if token is None or token.user.disabled:
        raise ServiceError(_("This link is not valid. Ask for a new one below."))
    if token.used_at is not None:
        raise ServiceError(_("This link has already been used, or the password has changed "
                             "since it was sent. Ask for a new one below."))
    if token.expires_at <= utcnow():
        raise ServiceError(_("This link has expired. Ask for a new one below."))
    return token


def reset_password(raw: str, password: str) -> User:
    """Use a one-time link to set a password; the link dies with it."""
    check_password_rules(password)
    token = check_password_token(raw)
    _check_not_the_address(password, token.user.email)
    claimed = db.session.execute(
        update(PasswordToken)
        .where(PasswordToken.id == token.id, PasswordToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if claimed.rowcount != 1:
        raise ServiceError(_("This link has already been used. Ask for a new one below."))
    set_password(token.user, password)
    return token.user


def invite_user(email: str, role: str, name: str = "", acting: User | None = None) -> User:
    """Create an account and mail its owner a link to choose a password (audited)."""
    user = create_user(email, role, name)
    record_action(acting, "user.invited", user, after={"email": user.email, "role": role})
    link = issue_password_link(user, "setup")
    queue_mail(user.email, "account_invitation", _l("You have an Ambassador account"),
               locale=recipient_language(user), user=user, link=link, days=SETUP_LINK_HOURS // 24)
    return user


def _lock_admins() -> None:
    """PostgreSQL: lock every active admin's row, in id order, before an admin is removed.

    Two admins removing each other then queue on the same first row instead of each
    holding the row the other needs (a deadlock). SQLite renders no FOR UPDATE: there a
    writer holds the whole database, and the conditional UPDATE alone decides.
    """
    db.session.execute(
        select(User.id).where(User.role == "admin", User.disabled.is_(False))
        .order_by(User.id).with_for_update()
    )


def _update_leaving_an_admin(user: User, **values) -> bool:
    """Apply `values` to `user` only while another active admin remains; True if applied.

    One UPDATE whose WHERE counts the other active admins: on both databases it is
    evaluated under the row's write lock against committed data, so two admins
    removing each other at once cannot both succeed.
    """
    _lock_admins()
    other = aliased(User)
    others = (
        select(func.count(other.id))
        .where(other.role == "admin", other.disabled.is_(False), other.id != user.id)
        .scalar_subquery()
    )
    result = db.session.execute(
        update(User).where(User.id == user.id, others > 0).values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user)
    return result.rowcount == 1


def _removes_an_admin(user: User, role: str, disabled: bool) -> bool:
    return user.role == "admin" and not user.disabled and (role != "admin" or disabled)


def change_role(user: User, role: str, acting: User) -> None:
    """Change someone's role; the last active admin cannot be demoted."""
    if role not in ROLES:
        raise ServiceError(_unknown_role(role))
    before = user.role
    if _removes_an_admin(user, role, user.disabled):
        if not _update_leaving_an_admin(user, role=role):
            raise Conflict(_("This is the last admin: make someone else admin first."))
    else:
        user.role = role
    # Recorded after the guarded UPDATE: the entry's key on the acting admin's row would
    # otherwise hold a lock that two admins acting on each other wait on in a circle.
    if before != role:
        record_action(acting, "user.role_changed", user, before={"role": before},
                      after={"role": role})


def set_disabled(user: User, disabled: bool, acting: User) -> None:
    """Disable (ending every session and open link at once) or re-enable an account."""
    if disabled and user.id == acting.id:
        raise Conflict(_("You cannot disable your own account."))
    before = user.disabled
    if not disabled:
        user.disabled = False
    else:
        token = new_token(16)
        if _removes_an_admin(user, user.role, True):
            if not _update_leaving_an_admin(user, disabled=True, session_token=token):
                raise Conflict(_("This is the last admin: it cannot be disabled."))
        else:
            user.disabled = True
            user.session_token = token
        _kill_password_links(user)
    if before != disabled:  # after the change, as for roles
        record_action(acting, "user.disabled" if disabled else "user.enabled", user,
                      before={"disabled": before}, after={"disabled": disabled})


def search_users(query: str = "", role: str = "", page: int = 1, per_page: int = 50):
    """Return a page of users matching a text in email or name, newest first."""
    stmt = select(User).order_by(User.created_at.desc(), User.id.desc())
    q = (query or "").strip().lower()
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(func.lower(User.email).like(like, escape="\\")
                          | func.lower(User.name).like(like, escape="\\"))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    page = min(max(page or 1, 1), 1_000_000)  # a huge page number would overflow the database
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def set_language(user: User, language: str | None) -> None:
    """Save the language someone reads the site and their mail in ('' or None: automatic)."""
    code = (language or "").strip() or None
    if code is not None and code not in LANGUAGES:
        raise ServiceError(_("Choose one of the languages in the list."))
    user.language = code
