"""Every feature's models, imported together so the metadata is complete."""

from ambassador.auth.models import ApiToken, Invitation, PasswordToken, User
from ambassador.mail.models import OutboxMessage
from ambassador.nps.models import (
    Customer,
    ImportMapping,
    ImportRun,
    ImportUpload,
    QuarterScore,
    Response,
)

__all__ = [
    "ApiToken", "Customer", "ImportMapping", "ImportRun", "ImportUpload", "Invitation",
    "OutboxMessage", "PasswordToken", "QuarterScore", "Response", "User",
]
