"""Testimonials: requests, submission, consent, moderation, verified promoters."""
