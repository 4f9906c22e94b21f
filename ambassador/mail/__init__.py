"""The outbox: mail written in the same transaction as its cause, delivered later."""
