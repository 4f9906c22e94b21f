"""What other features add to the nps pages (dashboard buttons, account columns), registered.

`nps` knows no portal feature: a feature that wants a button on the dashboard
registers a template and a function returning its context when its blueprint is
registered, and the dashboard renders whatever is registered, in order. A column of the
accounts page (open follow-up tasks per company) is registered the same way.
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


@dataclass(frozen=True)
class AccountColumn:
    """One column another feature adds to the accounts page: a header, a cell template,
    and a function from the companies shown to each one's value."""

    label: object
    template: str
    values: Callable[[list[str]], dict]


def register_account_column(app: Flask, label, template: str,
                            values: Callable[[list[str]], dict]) -> None:
    """Add a column to the accounts page of `app` (call it from a blueprint's setup)."""
    app.extensions.setdefault("account_columns", []).append(
        AccountColumn(label, template, values))


def account_columns(companies: list[str]) -> list[tuple[str, str, dict]]:
    """The registered columns as (label, template, {company: value}) for these companies."""
    return [(str(column.label), column.template, column.values(companies))
            for column in current_app.extensions.get("account_columns", [])]
