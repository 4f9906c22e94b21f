"""Where the forum asks the programs feature who is enrolled (the private program rooms).

A category with a `program_id` is the private room of that early-access program: its
enrollees (not those on its waiting list) and the staff see it, nobody else. This module
is the one place that asks.
"""

from ambassador.programs import services as programs


def enrolled_program_ids(user) -> set[int]:
    """Ids of the programs this person is enrolled in (empty for nobody)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return {program_id for program_id, enrollment in programs.enrollments_by_program(user).items()
            if enrollment.status == "enrolled"}


def program_choices() -> list[tuple[int, str]]:
    """(id, title) of every program, for the category form's "private to" picker."""
    return [(program.id, program.title) for program in programs.all_programs()]
