"""The blocks of the promoter's home, registered by the features that own them.

The portal knows no feature: programs, offers, the forum … each register a template
and a function returning its context for one person (or None to show nothing) when
their blueprint is registered, and the home renders whatever is registered, in order.
A context may carry `new`: how many things are new for this person since `since`,
their previous visit (None on a first visit); the home adds them up in its greeting.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app


@dataclass(frozen=True)
class HomeSection:
    """One block of the home page."""

    key: str
    template: str
    context: Callable[[object, datetime | None], dict | None]
    order: int = 50


def register_home_section(app: Flask, key: str, template: str,
                          context: Callable[[object, datetime | None], dict | None],
                          order: int = 50) -> None:
    """Add a block to the promoter's home (call it from a blueprint's setup)."""
    sections = app.extensions.setdefault("portal_home_sections", [])
    sections[:] = [s for s in sections if s.key != key]
    sections.append(HomeSection(key, template, context, order))
    sections.sort(key=lambda s: (s.order, s.key))


def home_sections(user, since: datetime | None) -> list[tuple[HomeSection, dict]]:
    """The registered blocks that have something to show this person, with their context."""
    shown = []
    for section in current_app.extensions.get("portal_home_sections", []):
        context = section.context(user, since)
        if context is not None:
            shown.append((section, context))
    return shown
