"""The two registries: what each feature holds about a person, and how it erases it.

A feature that stores personal data registers, at import time of one of its modules
that the app always loads (its views or tasks):

    register_data_section("referrals", lambda subject: [...])   # JSON-ready data
    register_erasure(erase_referrals, order=50)                  # -> {"links": 2}

`Subject` is the person: their customer record, their account, or both. Sections return
plain JSON values (dates as ISO 8601 strings). Erasure steps run in one transaction, in
`order` (features at 50; the customer record and the account itself last, at 90+), flush,
never commit, and return counts for the audit entry (never the erased values).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime


@dataclass
class Subject:
    """The person whose data is read or erased: a customer record, an account, or both."""

    customer: object | None = None  # nps.models.Customer
    user: object | None = None  # auth.models.User

    @property
    def customer_id(self) -> int | None:
        return getattr(self.customer, "id", None)

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "id", None)

    @property
    def emails(self) -> set[str]:
        """Every address this person is known by (mail to them is found by address)."""
        found = {getattr(self.customer, "email", None), getattr(self.user, "email", None)}
        return {email for email in found if email}


_SECTIONS: dict[str, tuple[int, Callable[[Subject], object]]] = {}
_ERASURES: list[tuple[int, str, Callable[[Subject], dict]]] = []


def register_data_section(name: str, fn: Callable[[Subject], object], order: int = 50) -> None:
    """Add (or replace) the section `name` of a person's data download (lower `order` first)."""
    _SECTIONS[name] = (order, fn)


def _ordered() -> list[tuple[str, Callable[[Subject], object]]]:
    # Stable: sections of the same order keep the order they were registered in.
    ranked = sorted(_SECTIONS.items(), key=lambda item: item[1][0])
    return [(name, fn) for name, (_order, fn) in ranked]


def register_erasure(fn: Callable[[Subject], dict], order: int = 50,
                     name: str | None = None) -> None:
    """Add a step to erasure; registering the same name again replaces it."""
    name = name or f"{fn.__module__}.{fn.__qualname__}"
    _ERASURES[:] = [step for step in _ERASURES if step[1] != name]
    _ERASURES.append((order, name, fn))
    _ERASURES.sort(key=lambda step: (step[0], step[1]))


def data_sections() -> list[str]:
    """The names of the registered sections, in download order."""
    return [name for name, _fn in _ordered()]


def collect(subject: Subject) -> dict:
    """Every registered section for this person (what `data.json` holds)."""
    return {name: plain(fn(subject)) for name, fn in _ordered()}


def run_erasures(subject: Subject) -> dict[str, dict]:
    """Run every erasure step in order; return each step's counts by its name."""
    return {name.rsplit(".", 1)[-1].removeprefix("erase_"): fn(subject) or {}
            for _order, name, fn in list(_ERASURES)}


def plain(value):
    """A JSON-ready copy: dates as ISO 8601, bytes left out, tuples as lists."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value
