"""The data sections of the features that existed when privacy was built.

Features built later register their own section from their own package (see registry).
"""

from sqlalchemy import or_, select

from ambassador.extensions import db
from ambassador.forum.models import Member, Post, Thread, Vote
from ambassador.mail.models import OutboxMessage, Unsubscribe
from ambassador.nps.models import Response
from ambassador.offers.models import Offer, Redemption
from ambassador.portal.models import Invitation
from ambassador.privacy.registry import Subject, register_data_section
from ambassador.programs.models import Enrollment, FeedbackAnswer, FeedbackQuestion, Program
from ambassador.testimonials.models import Testimonial, TestimonialConsent, TestimonialRequest


def account(subject: Subject):
    user = subject.user
    if user is None:
        return None
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "language": user.language, "disabled": user.disabled,
            "created_at": user.created_at, "last_login_at": user.last_login_at}


def customer(subject: Subject):
    record = subject.customer
    if record is None:
        return None
    return {"id": record.id, "email": record.email, "name": record.name,
            "company": record.company, "language": record.language,
            "ambassador_status": record.status, "latest_score": record.latest_score,
            "latest_response_at": record.latest_response_at, "created_at": record.created_at}


def responses(subject: Subject):
    if subject.customer_id is None:
        return []
    rows = db.session.scalars(select(Response).where(Response.customer_id == subject.customer_id)
                              .order_by(Response.responded_at, Response.id))
    return [{"id": r.id, "score": r.score, "comment": r.comment, "responded_at": r.responded_at,
             "source": r.source, "touchpoint": r.touchpoint, "language": r.language,
             "external_id": r.external_id, "contact_ref": r.contact_ref} for r in rows]


def enrollments(subject: Subject):
    if subject.user_id is None:
        return []
    rows = db.session.execute(
        select(Enrollment, Program.title).join(Program, Program.id == Enrollment.program_id)
        .where(Enrollment.user_id == subject.user_id).order_by(Enrollment.joined_at))
    answers = db.session.execute(
        select(FeedbackAnswer, FeedbackQuestion.prompt, FeedbackQuestion.program_id)
        .join(FeedbackQuestion, FeedbackQuestion.id == FeedbackAnswer.question_id)
        .where(FeedbackAnswer.user_id == subject.user_id)).all()
    return [{"program_id": e.program_id, "program": title, "status": e.status,
             "joined_at": e.joined_at, "enrolled_at": e.enrolled_at,
             "feedback": [{"question": prompt, "text": a.text, "rating": a.rating,
                           "answered_at": a.answered_at}
                          for a, prompt, program_id in answers if program_id == e.program_id]}
            for e, title in rows]


def offer_codes(subject: Subject):
    if subject.user_id is None:
        return []
    rows = db.session.execute(
        select(Redemption, Offer.title).join(Offer, Offer.id == Redemption.offer_id)
        .where(Redemption.user_id == subject.user_id).order_by(Redemption.claimed_at))
    return [{"offer_id": r.offer_id, "offer": title, "code": r.code, "claimed_at": r.claimed_at}
            for r, title in rows]


def _testimonial_clause(subject: Subject):
    clauses = []
    if subject.customer_id is not None:
        clauses.append(Testimonial.customer_id == subject.customer_id)
    if subject.user_id is not None:
        clauses.append(Testimonial.user_id == subject.user_id)
    return or_(*clauses) if clauses else None


def testimonials(subject: Subject):
    clause = _testimonial_clause(subject)
    if clause is None:
        return []
    found = []
    for t in db.session.scalars(select(Testimonial).where(clause).order_by(Testimonial.id)):
        consents = db.session.scalars(
            select(TestimonialConsent).where(TestimonialConsent.testimonial_id == t.id)
            .order_by(TestimonialConsent.recorded_at, TestimonialConsent.id))
        found.append({
            "id": t.id, "status": t.status, "body": t.body, "original_body": t.original_body,
            "rating": t.rating, "author_name": t.author_name, "author_title": t.author_title,
            "language": t.language, "submitted_at": t.submitted_at, "decided_at": t.decided_at,
            "withdrawn_at": t.withdrawn_at, "has_photo": t.photo is not None,
            "consents": [{"scope": c.scope, "granted": c.granted, "wording": c.wording,
                          "version": c.version, "recorded_at": c.recorded_at}
                         for c in consents]})
    return found


def testimonial_requests(subject: Subject):
    if subject.customer_id is None:
        return []
    rows = db.session.scalars(select(TestimonialRequest)
                              .where(TestimonialRequest.customer_id == subject.customer_id)
                              .order_by(TestimonialRequest.created_at))
    return [{"created_at": r.created_at, "expires_at": r.expires_at, "used_at": r.used_at,
             "prefill": r.prefill} for r in rows]


def forum(subject: Subject):
    if subject.user_id is None:
        return {"posts": [], "threads": [], "votes": [], "settings": None}
    uid = subject.user_id
    posts = db.session.execute(
        select(Post, Thread.title).join(Thread, Thread.id == Post.thread_id)
        .where(Post.author_id == uid).order_by(Post.created_at, Post.id))
    threads = db.session.scalars(select(Thread).where(Thread.author_id == uid).order_by(Thread.id))
    votes = db.session.execute(select(Vote.thread_id, Vote.created_at).where(Vote.user_id == uid))
    member = db.session.get(Member, uid)
    return {
        "posts": [{"id": p.id, "thread_id": p.thread_id, "thread": title, "body": p.body,
                   "created_at": p.created_at, "edited_at": p.edited_at,
                   "deleted_at": p.deleted_at} for p, title in posts],
        "threads": [{"id": t.id, "title": t.title, "created_at": t.created_at}
                    for t in threads],
        "votes": [{"thread_id": thread_id, "created_at": at} for thread_id, at in votes],
        "settings": {"digest": member.digest} if member else None,
    }


def invitations(subject: Subject):
    if subject.customer_id is None:
        return []
    rows = db.session.scalars(select(Invitation).where(Invitation.customer_id
                                                       == subject.customer_id))
    return [{"created_at": i.created_at, "expires_at": i.expires_at, "used_at": i.used_at}
            for i in rows]


def mail(subject: Subject):
    if not subject.emails:
        return []
    rows = db.session.scalars(select(OutboxMessage)
                              .where(OutboxMessage.to_addr.in_(subject.emails))
                              .order_by(OutboxMessage.created_at, OutboxMessage.id))
    sent = [{"to": m.to_addr, "subject": m.subject, "kind": m.kind, "status": m.status,
             "created_at": m.created_at, "sent_at": m.sent_at} for m in rows]
    stops = db.session.scalars(select(Unsubscribe).where(Unsubscribe.email.in_(subject.emails)))
    return sent + [{"unsubscribed": u.email, "unsubscribed_at": u.unsubscribed_at,
                    "changed_at": u.changed_at} for u in stops]


for _name, _fn in (("account", account), ("customer", customer), ("responses", responses),
                   ("enrollments", enrollments), ("offer_codes", offer_codes),
                   ("testimonials", testimonials),
                   ("testimonial_requests", testimonial_requests), ("forum", forum),
                   ("invitations", invitations), ("mail", mail)):
    register_data_section(_name, _fn, order=10)  # the person first, then the features
