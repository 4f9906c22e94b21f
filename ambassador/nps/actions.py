"""Buttons that other features add to the dashboard header, registered explicitly.

`nps` knows no portal feature: a feature that wants a button on the dashboard
registers a template and a function returning its context when its blueprint is
registered, and the dashboard renders whatever is registered, in order.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app


@dataclass(frozen=True)
class DashboardAction:
    """One header button: the template to include and the values it shows."""

    template: str
    context: Callable[[], dict]


def register_dashboard_action(app: Flask, template: str,
                              context: Callable[[], dict] = dict) -> None:
    """Add a button to the dashboard header of `app` (call it from a blueprint's setup)."""
    app.extensions.setdefault("dashboard_actions", []).append(DashboardAction(template, context))


def dashboard_actions() -> list[tuple[str, dict]]:
    """The registered buttons as (template, context), their context computed now."""
    return [(action.template, action.context())
            for action in current_app.extensions.get("dashboard_actions", [])]
