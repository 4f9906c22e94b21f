"""A widget: which approved testimonials a website shows, and how they look."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ambassador.extensions import db
from ambassador.nps.models import one_of
from ambassador.utils import UTCDateTime, utcnow

LAYOUTS = ("grid", "carousel", "list", "badge")
THEMES = ("light", "dark", "auto")
FONTS = ("inherit", "system")
SELECTIONS = ("all", "tag", "rating", "language", "picked")
LANGUAGES = ("en", "fr", "tr")
PRODUCT_TYPES = ("", "Product", "SoftwareApplication")
KEY_MAX = 40
NAME_MAX = 100
MAX_SHOWN = 50


class Widget(db.Model):
    """What one embed shows; `key` is public (it is in the host page's HTML)."""

    __tablename__ = "widgets"
    __table_args__ = (
        CheckConstraint(one_of("layout", LAYOUTS), name="layout"),
        CheckConstraint(one_of("theme", THEMES), name="theme"),
        CheckConstraint(one_of("selection", SELECTIONS), name="selection"),
        CheckConstraint(f"shown BETWEEN 1 AND {MAX_SHOWN}", name="shown"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    enabled: Mapped[bool] = mapped_column(default=True)
    selection: Mapped[str] = mapped_column(String(10), default="all")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    min_rating: Mapped[int] = mapped_column(SmallInteger, default=1)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    picked: Mapped[list] = mapped_column(JSON, default=list)  # testimonial ids, in order
    shown: Mapped[int] = mapped_column(SmallInteger, default=9)
    layout: Mapped[str] = mapped_column(String(10), default="grid")
    theme: Mapped[str] = mapped_column(String(10), default="light")
    accent: Mapped[str] = mapped_column(String(7), default="#4f46e5")
    radius: Mapped[int] = mapped_column(SmallInteger, default=12)
    font: Mapped[str] = mapped_column(String(10), default="inherit")
    show_photo: Mapped[bool] = mapped_column(default=True)
    show_rating: Mapped[bool] = mapped_column(default=True)
    show_date: Mapped[bool] = mapped_column(default=True)
    show_verified: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    allowed_domains: Mapped[list] = mapped_column(JSON, default=list)
    product_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    product_type: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
