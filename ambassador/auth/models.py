"""People who log in, their one-time password links, and API tokens."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ambassador.constants import MAX_EMAIL
from ambassador.extensions import db
from ambassador.utils import UTCDateTime, utcnow

ROLES = ("promoter", "marketer", "admin")
# What a person reads for each role (the stored value stays the English word).
ROLE_LABELS = {"promoter": _l("promoter"), "marketer": _l("marketer"), "admin": _l("admin")}
STAFF_ROLES = ("marketer", "admin")


class User(UserMixin, db.Model):
    """A person who can log in: a promoter, a marketer or an admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(MAX_EMAIL), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(20), default="promoter")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(default=False)
    # The language chosen on "Your account" (en, fr, tr); None follows the customer record.
    language: Mapped[str | None] = mapped_column(String(8))
    # Rotated on password change and disable: every session cookie carries it.
    session_token: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer = relationship("Customer", lazy="joined")

    def get_id(self) -> str:
        """Session identity: the id plus the current session token."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def home_endpoint(self) -> str:
        """Where this person starts: marketers and admins the dashboard, promoters the portal."""
        return "nps.dashboard" if self.is_staff else "portal.home"

    @property
    def display_name(self) -> str:
        return self.name or self.email


class PasswordToken(db.Model):
    """A single-use link to set or reset a password."""

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "reset" or "setup"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship(User)


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its hash is stored."""

    __tablename__ = "api_tokens"
    # Names are unique among live tokens (a revoked token's name may be used again): the
    # database decides, so two admins creating "Typeform" at once make one token.
    __table_args__ = (
        Index("uq_api_tokens_live_name", "name", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
