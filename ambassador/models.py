"""Every feature's models, imported together so the metadata is complete."""

from ambassador.audit.models import AuditEntry
from ambassador.auth.models import ApiToken, PasswordToken, User
from ambassador.imports.models import ImportMapping, ImportRun, ImportUpload
from ambassador.mail.models import OutboxMessage
from ambassador.nps.models import Customer, QuarterScore, QuarterTally, Response
from ambassador.offers.models import Offer, OfferCode, Redemption
from ambassador.portal.models import Invitation, PortalVisit
from ambassador.programs.models import (
    Enrollment,
    FeedbackAnswer,
    FeedbackQuestion,
    Program,
    ProgramCover,
)
from ambassador.testimonials.models import (
    ReviewSite,
    Testimonial,
    TestimonialConsent,
    TestimonialEdit,
    TestimonialPhoto,
    TestimonialRequest,
    TestimonialTag,
)
from ambassador.widgets.models import Widget

__all__ = [
    "ApiToken", "AuditEntry", "Customer", "Enrollment", "FeedbackAnswer", "FeedbackQuestion",
    "ImportMapping", "ImportRun", "ImportUpload", "Invitation", "Offer", "OfferCode",
    "OutboxMessage", "PasswordToken", "PortalVisit", "Program", "ProgramCover", "QuarterScore",
    "QuarterTally", "Redemption", "Response", "ReviewSite", "Testimonial", "TestimonialConsent",
    "TestimonialEdit", "TestimonialPhoto", "TestimonialRequest", "TestimonialTag", "User",
    "Widget",
]
