"""Early-access programs and events: seats, waiting lists, reminders, feedback."""
