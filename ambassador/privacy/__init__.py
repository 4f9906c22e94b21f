"""Privacy (GDPR / KVKK): a person's data as one JSON file, erasure, and retention.

Features add what they hold about a person with `register_data_section` and how to
erase it with `register_erasure`, from their own package: privacy never imports them.
"""

from ambassador.privacy.registry import Subject, register_data_section, register_erasure

__all__ = ["Subject", "register_data_section", "register_erasure"]
