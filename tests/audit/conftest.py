"""Fixtures the audit tests borrow from other features."""

from tests.programs.conftest import make_program  # noqa: F401
