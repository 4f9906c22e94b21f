"""Fixtures for programs: a program factory and a few times."""

from datetime import timedelta

import pytest

from ambassador.extensions import db
from ambassador.programs.services import ProgramFields, create_program
from ambassador.utils import utcnow


@pytest.fixture
def make_program():
    """Factory: make_program(seats=None, kind="early_access", status="open", **fields)."""

    def make(title="Beta of the new dashboard", seats=None, kind="early_access",
             status="open", **fields):
        if kind == "event":
            start = utcnow() + timedelta(days=10)
            fields.setdefault("starts_at", start)
            fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=2))
            fields.setdefault("timezone", "Europe/Paris")
            fields.setdefault("place", "Lumière Voyages, 12 rue de la Paix, Paris")
        program = create_program(ProgramFields(title=title, seats=seats, kind=kind,
                                               status=status, **fields))
        db.session.commit()
        return program

    return make
