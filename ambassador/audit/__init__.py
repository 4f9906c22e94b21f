"""The audit trail of staff actions: who did what, when, to which object, before and after."""

from ambassador.audit.services import record_action

__all__ = ["record_action"]
