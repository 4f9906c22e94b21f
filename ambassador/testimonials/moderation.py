"""What marketers do with testimonials: the queue, decisions, tags, corrections, sites.

Every staff action goes to the audit trail; a correction of the text is also kept on
the testimonial (TestimonialEdit: who, when, before and after), the original stays,
and the author is told by mail and may withdraw.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select

from ambassador.audit import record_action
from ambassador.extensions import db
from ambassador.nps.models import Customer
from ambassador.testimonials import services
from ambassador.testimonials.models import (
    BODY_MAX,
    LANGUAGES,
    REASON_MAX,
    STATUSES,
    TAG_MAX,
    ReviewSite,
    Testimonial,
    TestimonialEdit,
    TestimonialTag,
)
from ambassador.utils import NotFound, utcnow

PER_PAGE = 30
MAX_TAGS = 10


def _audit(actor, action: str, testimonial: Testimonial, before=None, after=None) -> None:
    """Record a staff action in the audit trail."""
    record_action(actor, action, testimonial, before=before, after=after)


@dataclass
class QueueFilters:
    """The moderation queue's filters, read leniently from the query string."""

    status: str = "pending"
    rating: int | None = None
    language: str = ""
    tag: str = ""
    since: datetime | None = None
    until: datetime | None = None
    review: bool = False

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        """Parse ?status=&rating=&language=&tag=&since=&until=; ignore what makes no sense."""
        status = args.get("status", "pending")
        rating = args.get("rating", "")
        filters = cls(status=status if status in (*STATUSES, "all") else "pending",
                      rating=int(rating) if rating in ("1", "2", "3", "4", "5") else None,
                      language=args.get("language", "") if args.get("language") in LANGUAGES
                      else "", tag=(args.get("tag") or "").strip()[:TAG_MAX],
                      review=args.get("review") == "1")
        for name in ("since", "until"):
            try:
                day = datetime.strptime(args.get(name, ""), "%Y-%m-%d").replace(tzinfo=UTC)
            except ValueError:
                continue
            setattr(filters, name, day)
        return filters

    def args(self) -> dict:
        """The filters as query-string values (for pager links)."""
        values = {"status": self.status, "rating": self.rating or "",
                  "language": self.language, "tag": self.tag,
                  "since": self.since.strftime("%Y-%m-%d") if self.since else "",
                  "until": self.until.strftime("%Y-%m-%d") if self.until else "",
                  "review": "1" if self.review else ""}
        return {k: v for k, v in values.items() if v}


def queue(filters: QueueFilters, page: int = 1) -> tuple[list[Testimonial], bool]:
    """One page of testimonials matching the filters, oldest pending first."""
    stmt = select(Testimonial)
    if filters.status != "all":
        stmt = stmt.where(Testimonial.status == filters.status)
    if filters.rating:
        stmt = stmt.where(Testimonial.rating == filters.rating)
    if filters.language:
        stmt = stmt.where(Testimonial.language == filters.language)
    if filters.tag:
        stmt = stmt.where(exists().where(TestimonialTag.testimonial_id == Testimonial.id,
                                         TestimonialTag.tag == filters.tag.lower()))
    if filters.since:
        stmt = stmt.where(Testimonial.submitted_at >= filters.since)
    if filters.until:
        end = datetime.combine(filters.until.date(), time(), UTC) + timedelta(days=1)
        stmt = stmt.where(Testimonial.submitted_at < end)
    if filters.review:
        stmt = stmt.where(Testimonial.review_score.is_not(None))
    order = (Testimonial.submitted_at.asc() if filters.status == "pending"
             else Testimonial.submitted_at.desc())
    page = max(page, 1)
    rows = list(db.session.scalars(
        stmt.order_by(order, Testimonial.id).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)))
    return rows[:PER_PAGE], len(rows) > PER_PAGE


def counts() -> dict[str, int]:
    """How many testimonials are in each status, and how many await a review."""
    found = dict(db.session.execute(
        select(Testimonial.status, func.count()).group_by(Testimonial.status)).all())
    found["review"] = db.session.scalar(
        select(func.count()).where(Testimonial.review_score.is_not(None),
                                   Testimonial.status.in_(("pending", "approved"))))
    return {s: found.get(s, 0) for s in (*STATUSES, "review")}


def all_tags() -> list[str]:
    """Every tag in use, for the filter."""
    return list(db.session.scalars(select(TestimonialTag.tag).distinct()
                                   .order_by(TestimonialTag.tag)))


def get(testimonial_id: int) -> Testimonial:
    """A testimonial for the staff pages; NotFound if there is none."""
    testimonial = db.session.get(Testimonial, testimonial_id)
    if testimonial is None:
        raise NotFound(_("This testimonial does not exist."))
    return testimonial


def _live(testimonial: Testimonial) -> None:
    if testimonial.status == "withdrawn":
        raise services.TestimonialError(_("The author withdrew this testimonial: it can no "
                                          "longer be changed."))


def approve(testimonial: Testimonial, actor, now=None) -> None:
    """Publish it (or keep it published after a review) and tell the author."""
    _live(testimonial)
    if not testimonial.consent_text:
        raise services.TestimonialError(_("The author did not consent to publishing the "
                                          "text."))
    was = testimonial.status
    testimonial.status = "approved"
    testimonial.reject_reason = None
    testimonial.review_score = testimonial.review_answered_at = None
    testimonial.decided_at = now or utcnow()
    testimonial.decided_by_id = actor.id
    db.session.flush()
    _audit(actor, "testimonial.approve", testimonial, before={"status": was},
           after={"status": "approved"})
    if was != "approved":
        services.notify_author(testimonial, "approved", sites=review_sites())


def reject(testimonial: Testimonial, actor, reason: str, now=None) -> None:
    """Refuse it with a reason that the author sees."""
    _live(testimonial)
    reason = services.clean_text(reason, REASON_MAX, _("Reason"), required=True,
                                 multiline=True)
    was = testimonial.status
    testimonial.status = "rejected"
    testimonial.reject_reason = reason
    testimonial.featured = False
    testimonial.review_score = testimonial.review_answered_at = None
    testimonial.decided_at = now or utcnow()
    testimonial.decided_by_id = actor.id
    db.session.flush()
    _audit(actor, "testimonial.reject", testimonial, before={"status": was},
           after={"status": "rejected", "reason": reason})
    services.notify_author(testimonial, "rejected", reason=reason)


def set_featured(testimonial: Testimonial, actor, featured: bool) -> None:
    """Feature a published testimonial first in widgets (or stop featuring it)."""
    if featured and testimonial.status != "approved":
        raise services.TestimonialError(_("Only a published testimonial can be featured."))
    before = testimonial.featured
    testimonial.featured = featured
    db.session.flush()
    _audit(actor, "testimonial.feature", testimonial, before={"featured": before},
           after={"featured": featured})


def parse_tags(text: str) -> list[str]:
    """"Billing, mobile app" → ["billing", "mobile app"]: lower-case, unique, sorted."""
    tags = set()
    for part in (text or "").split(","):
        tag = services.clean_text(part, TAG_MAX, _("A tag")).lower()
        if tag:
            tags.add(tag)
    if len(tags) > MAX_TAGS:
        raise services.TestimonialError(_("At most %(n)d tags.", n=MAX_TAGS))
    return sorted(tags)


def set_tags(testimonial: Testimonial, actor, text: str) -> None:
    """Replace the testimonial's tags."""
    tags = parse_tags(text)
    before = testimonial.tag_names
    testimonial.tags = [TestimonialTag(testimonial_id=testimonial.id, tag=t) for t in tags]
    db.session.flush()
    _audit(actor, "testimonial.tags", testimonial, before={"tags": before},
           after={"tags": tags})


def edit_body(testimonial: Testimonial, actor, text: str, now=None) -> bool:
    """Correct the published text; the original stays and the author is told."""
    _live(testimonial)
    body = services.clean_text(text, BODY_MAX, _("The text"), required=True, multiline=True)
    if body == testimonial.body:
        return False
    before = testimonial.body
    db.session.add(TestimonialEdit(testimonial_id=testimonial.id, editor_id=actor.id,
                                   before=before, after=body, edited_at=now or utcnow()))
    testimonial.body = body
    db.session.flush()
    _audit(actor, "testimonial.edit", testimonial, before={"body": before},
           after={"body": body})
    services.notify_author(testimonial, "edited", before=before, after=body)
    return True


def volunteers() -> list[Testimonial]:
    """Authors who said they would do a case study or take a reference call, newest first."""
    return list(db.session.scalars(
        select(Testimonial).join(Customer, Customer.id == Testimonial.customer_id)
        .where(or_(Testimonial.case_study, Testimonial.reference_call),
               Testimonial.status != "withdrawn")
        .order_by(Testimonial.submitted_at.desc())))


def review_sites() -> list[ReviewSite]:
    """The public review sites offered to authors after approval."""
    return list(db.session.scalars(select(ReviewSite).order_by(ReviewSite.name)))


def add_review_site(name: str, url: str, actor=None) -> ReviewSite:
    """Add a plain link to a public review page (https only); audited."""
    name = services.clean_text(name, 80, _("Name"), required=True)
    url = services.clean_text(url, 500, _("Address"), required=True)
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or " " in url:
        raise services.TestimonialError(_("The address must be a full https:// link."))
    site = ReviewSite(name=name, url=url)
    db.session.add(site)
    db.session.flush()
    if actor is not None:
        record_action(actor, "review_site.added", site, after={"name": name, "url": url})
    return site


def remove_review_site(site_id: int, actor=None) -> None:
    """Stop offering a review site; audited."""
    site = db.session.get(ReviewSite, site_id)
    if site is None:
        raise NotFound(_("This review site does not exist."))
    if actor is not None:
        record_action(actor, "review_site.removed", site, before={"name": site.name,
                                                                   "url": site.url})
    db.session.delete(site)
    db.session.flush()
