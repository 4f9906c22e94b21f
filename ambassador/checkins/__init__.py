"""Quarterly check-ins and closing the loop: follow-up tasks, welcome back, digest, webhooks."""
