"""What the landing pages show beside the answer: the portal's news, the testimonial link."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from ambassador.extensions import db
from ambassador.offers.models import Offer
from ambassador.programs.models import Program
from ambassador.urls import absolute_url
from ambassador.utils import utcnow

NEWS = 3


def whats_new(now: datetime | None = None, limit: int = NEWS) -> list[dict]:
    """The newest open programs and events and the current offers, newest first."""
    now = now or utcnow()
    programs = db.session.scalars(
        select(Program).where(Program.status == "open")
        .order_by(Program.published_at.desc().nulls_last(), Program.id.desc()).limit(limit))
    offers = db.session.scalars(
        select(Offer).where(and_(Offer.starts_at <= now,
                                 or_(Offer.ends_at.is_(None), Offer.ends_at > now)))
        .order_by(Offer.starts_at.desc(), Offer.id.desc()).limit(limit))
    items = [{"kind": _("Event") if p.kind == "event" else _("Early access"), "title": p.title,
              "link": absolute_url("programs.show", program_id=p.id),
              "at": p.published_at or p.created_at} for p in programs]
    items += [{"kind": _("Offer"), "title": o.title,
               "link": absolute_url("offers.detail", offer_id=o.id), "at": o.starts_at}
              for o in offers]
    return sorted(items, key=lambda item: item["at"], reverse=True)[:limit]
