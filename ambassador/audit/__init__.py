"""The audit trail of staff actions: who did what, when, to which object, before and after."""

from ambassador.audit.services import record_action, record_export

__all__ = ["record_action", "record_export"]
