"""Every feature's models, imported together so the metadata is complete."""

from ambassador.audit.models import AuditEntry
from ambassador.auth.models import ApiToken, PasswordToken, User
from ambassador.checkins.followup_models import (
    DigestSubscription,
    FollowUp,
    FollowUpEvent,
    WelcomeBack,
)
from ambassador.checkins.models import CheckIn, CheckInSchedule
from ambassador.checkins.webhook_models import Webhook, WebhookDelivery
from ambassador.forum.models import (
    Category,
    Member,
    Notification,
    Post,
    Reaction,
    Report,
    Thread,
    Visit,
    Vote,
)
from ambassador.imports.models import ImportMapping, ImportRun, ImportUpload
from ambassador.mail.models import ContactBudget, OutboxMessage, Unsubscribe
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
from ambassador.referrals.models import (
    FriendInvite,
    LinkVisit,
    OfferReward,
    Referral,
    ReferralLink,
    RewardEntry,
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
    "CheckIn", "CheckInSchedule",
    "ApiToken", "AuditEntry", "Category", "ContactBudget", "Customer", "DigestSubscription",
    "Enrollment", "FeedbackAnswer", "FeedbackQuestion", "FollowUp", "FollowUpEvent",
    "FriendInvite", "ImportMapping", "ImportRun", "ImportUpload", "Invitation", "LinkVisit",
    "Member", "Notification", "Offer", "OfferCode", "OfferReward", "OutboxMessage",
    "PasswordToken", "PortalVisit", "Post", "Program", "ProgramCover", "QuarterScore",
    "QuarterTally", "Reaction", "Redemption", "Referral", "ReferralLink", "Report", "Response",
    "ReviewSite", "RewardEntry", "Testimonial", "TestimonialConsent", "TestimonialEdit",
    "TestimonialPhoto", "TestimonialRequest", "TestimonialTag", "Thread", "Unsubscribe", "User",
    "Visit", "Vote", "Webhook", "WebhookDelivery", "WelcomeBack", "Widget",
]

# Tables the migrations build by hand and no model describes: the forum's search index
# (an FTS5 table and its shadow tables on SQLite, a tsvector table on PostgreSQL).
UNMODELLED_TABLES = ("forum_search",)


def include_name(name, type_, parent_names) -> bool:
    """Alembic filter: leave the hand-built tables out of autogenerate and `db check`."""
    return not (type_ == "table" and name and name.startswith(UNMODELLED_TABLES))

