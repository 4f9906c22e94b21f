"""Erasing a person: the steps of the features that existed when privacy was built.

What stays, and why (README "Privacy" says the same to users):
- the customer row, as an anonymous placeholder: email `erased-<id>@erased.invalid`, no
  name, no language, status "none" (nobody invites or asks it again), its company kept
  (it names the organisation, not the person, and keeps NPS per account right), its
  latest score and date kept;
- each response as a bare score: score, date, source and touchpoint stay; comment,
  contact reference, survey id and language go. Their quarter_scores rows are not
  touched, so `nps score`, the dashboard and the accounts page show the same figures.
  The de-duplication key (a one-way SHA-256 fingerprint) stays, so that re-importing an
  old survey file does not bring the person back;
- forum posts, shown as written by "a former member" (the account is deleted); the
  person's idea votes go with the account and the ideas are recounted, so an idea's
  count is always the votes of people who are still members;
- audit entries (who on the team did what, when, to which object, for accountability),
  with the address, name and text they held about the person replaced by "[erased]",
  and the person's address replaced wherever else an entry held it;
- an unsubscribe (the address and when): so that a survey file imported later with
  the same address never mails someone who said no.
Everything else about the person is deleted.
"""

from sqlalchemy import delete, or_, select, update

from ambassador.audit.services import redact_entries, redact_mentions
from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.forum import services as forum
from ambassador.mail.models import ContactBudget, OutboxMessage
from ambassador.nps.models import Customer, Response
from ambassador.portal.models import Invitation
from ambassador.privacy.registry import Subject, register_erasure
from ambassador.programs import enrollment
from ambassador.programs.models import Enrollment, FeedbackAnswer
from ambassador.testimonials import services as testimonials
from ambassador.testimonials.models import Testimonial, TestimonialRequest
from ambassador.utils import utcnow
from ambassador.widgets import services as widgets

ERASED_DOMAIN = "erased.invalid"  # RFC 2606: a name that can never receive mail


def erased_email(customer_id: int) -> str:
    """The placeholder address of an erased customer (unique, never deliverable)."""
    return f"erased-{customer_id}@{ERASED_DOMAIN}"


def erase_testimonials(subject: Subject) -> dict:
    """Withdraw every testimonial (gone from widgets), then delete them and their requests."""
    clauses = []
    if subject.customer_id is not None:
        clauses.append(Testimonial.customer_id == subject.customer_id)
    if subject.user_id is not None:
        clauses.append(Testimonial.user_id == subject.user_id)
    if not clauses:
        return {"testimonials": 0}
    found = list(db.session.scalars(select(Testimonial).where(or_(*clauses))))
    # the text before and after a correction, and a rejection's reason, in the audit trail
    audit = redact_entries("testimonials", [t.id for t in found], keys=("body", "reason"),
                           values=subject.emails)
    for testimonial in found:
        testimonials.withdraw(testimonial)
    for testimonial in found:
        db.session.delete(testimonial)  # consents, photo, tags, edits go with it
    requests = 0
    if subject.customer_id is not None:
        requests = db.session.execute(delete(TestimonialRequest).where(
            TestimonialRequest.customer_id == subject.customer_id)).rowcount
    db.session.flush()
    widgets.forget_all()
    return {"testimonials": len(found), "testimonial_requests": requests,
            "audit_entries": audit}


def erase_programs(subject: Subject) -> dict:
    """Leave every program (a freed seat goes to the next in line) and drop feedback."""
    if subject.user_id is None:
        return {"enrollments": 0}
    programs = list(db.session.scalars(select(Enrollment.program_id)
                                       .where(Enrollment.user_id == subject.user_id)))
    for program_id in programs:
        enrollment.leave(program_id, subject.user)
    answers = db.session.execute(delete(FeedbackAnswer).where(
        FeedbackAnswer.user_id == subject.user_id)).rowcount
    return {"enrollments": len(programs), "feedback_answers": answers}


def erase_invitations(subject: Subject) -> dict:
    """Delete the portal invitations (their links die with them)."""
    if subject.customer_id is None:
        return {"invitations": 0}
    gone = db.session.execute(delete(Invitation).where(
        Invitation.customer_id == subject.customer_id)).rowcount
    return {"invitations": gone}


def erase_mail(subject: Subject, placeholder: str) -> dict:
    """Mail to this person: queued mail is dropped; sent mail keeps only its kind and dates."""
    if not subject.emails:
        return {"mail_dropped": 0, "mail_blanked": 0}
    mine = OutboxMessage.to_addr.in_(subject.emails)
    dropped = db.session.execute(delete(OutboxMessage).where(
        mine, OutboxMessage.status == "queued")).rowcount
    blanked = db.session.execute(update(OutboxMessage).where(mine).values(
        to_addr=placeholder, subject="", body_text="", body_html="", headers=None,
        last_error=None)).rowcount
    # the contact budget's counters go; an unsubscribe stays (see the module docstring)
    db.session.execute(delete(ContactBudget).where(ContactBudget.email.in_(subject.emails)))
    return {"mail_dropped": dropped, "mail_blanked": blanked}


def anonymise_responses(where, now) -> int:
    """Strip the comment, references and language of responses: bare scores remain."""
    return db.session.execute(
        update(Response).where(where, Response.anonymised_at.is_(None))
        .values(comment=None, contact_ref=None, external_id=None, language=None,
                anonymised_at=now).execution_options(synchronize_session=False)).rowcount


def erase_customer_record(subject: Subject) -> dict:
    """The customer row becomes an anonymous placeholder; its responses bare scores."""
    record: Customer | None = subject.customer
    if record is None:
        return {"responses": 0}
    now = utcnow()
    audit = redact_entries("customers", [record.id], keys=("email", "name"),
                           values=subject.emails, now=now)  # e.g. an invitation sent again
    count = anonymise_responses(Response.customer_id == record.id, now)
    placeholder = erased_email(record.id)
    mail = erase_mail(subject, placeholder)
    record.email, record.name, record.language = placeholder, None, None
    record.status, record.erased_at = "none", now
    db.session.flush()
    return {"responses": count, **mail, "audit_entries": audit}


def erase_account(subject: Subject) -> dict:
    """Delete the account: its sessions, links, votes and settings go; posts stay unsigned."""
    user: User | None = subject.user
    if user is None:
        return {"account": 0}
    if subject.customer is None:  # an account without a customer record: its mail still goes
        erase_mail(subject, f"erased-account-{user.id}@{ERASED_DOMAIN}")
    audit = redact_entries("users", [user.id], keys=("email", "name"), values=subject.emails)
    votes = forum.withdraw_votes(user.id)
    db.session.delete(user)
    db.session.flush()
    return {"account": 1, "votes": votes, "audit_entries": audit}


def erase_audit_mentions(subject: Subject) -> dict:
    """The person's addresses, wherever else the audit trail holds them (a typed reason)."""
    return {"audit_entries": redact_mentions(subject.emails)}


register_erasure(erase_testimonials, order=10)
register_erasure(erase_programs, order=20)
register_erasure(erase_invitations, order=30)
register_erasure(erase_customer_record, order=90)
register_erasure(erase_account, order=95)
register_erasure(erase_audit_mentions, order=80)  # while the addresses are known
