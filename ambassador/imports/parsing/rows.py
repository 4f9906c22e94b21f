"""Turning one data record into a validated Row (the hot loop of the second pass)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from ambassador.constants import MAX_EMAIL, RESPONSE_TEXT_LIMITS, TOUCHPOINTS
from ambassador.imports.parsing.base import FIELDS, Row
from ambassador.imports.parsing.dates import parse_date
from ambassador.imports.parsing.values import (
    ValueProblem,
    parse_email,
    parse_score,
    parse_text,
    parse_touchpoint,
    shown,
)
from ambassador.nps.rules import response_date_problem
from ambassador.utils import EMAIL_RE

_PLAIN_TOUCHPOINTS = frozenset({*TOUCHPOINTS, ""})
_DATE_CACHE = 10_000


def row_builder(columns: list[str], mapping: dict[str, str | None],
                parts: tuple[str, str] | None, order: str | None,
                default_zone: tzinfo) -> Callable[[int, list[str]], Row]:
    """A function (line, cells) -> Row for this column mapping, date order and zone."""
    width = len(columns)
    at = {f: columns.index(c) for f, c in mapping.items() if c}
    email_at, score_at = at["email"], at["score"]
    date_at, touch_at = at.get("responded_at"), at.get("touchpoint")
    texts = tuple((f, at[f], RESPONSE_TEXT_LIMITS[f], f.replace("_", " "))
                  for f in RESPONSE_TEXT_LIMITS if f in at)
    halves = None
    if parts and "name" not in at:
        halves = (columns.index(parts[0]), columns.index(parts[1]))
    template = dict.fromkeys(FIELDS)
    email_ok = EMAIL_RE.fullmatch
    dates_seen: dict[str, object] = {}   # date cells repeat a lot in real exports
    now = datetime.now(UTC)

    def build(line: int, cells: list[str]) -> Row:
        """The Row for one non-blank data record."""
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        values = template.copy()
        errors = []
        raw = cells[email_at].strip()
        if raw and len(raw) <= MAX_EMAIL and raw.isascii() and email_ok(raw):
            values["email"] = raw.lower()
        else:
            try:
                values["email"] = parse_email(raw)
            except ValueProblem as exc:
                errors.append(str(exc))
        raw = cells[score_at]
        if len(raw) == 1 and "0" <= raw <= "9":
            values["score"] = ord(raw) - 48
        else:
            try:
                values["score"] = parse_score(raw)
            except ValueProblem as exc:
                errors.append(str(exc))
        if date_at is not None:
            raw = cells[date_at]
            when = dates_seen.get(raw)
            if when is None:
                try:
                    when = parse_date(raw, order, default_zone)
                    if len(dates_seen) < _DATE_CACHE and when is not None:
                        dates_seen[raw] = when
                except ValueProblem as exc:
                    errors.append(str(exc))
            if when is not None and (problem := response_date_problem(when, now)):
                errors.append(f"date {shown(raw)} {problem}")
                when = None
            values["responded_at"] = when
        if touch_at is not None:
            raw = cells[touch_at]
            if raw in _PLAIN_TOUCHPOINTS:
                values["touchpoint"] = raw or None
            else:
                try:
                    values["touchpoint"] = parse_touchpoint(raw)
                except ValueProblem as exc:
                    errors.append(str(exc))
        for field, i, limit, label in texts:
            raw = cells[i]
            if raw:
                raw = raw.strip()
                if len(raw) > limit or "\x00" in raw:
                    try:
                        raw = parse_text(raw, label, limit)
                    except ValueProblem as exc:
                        errors.append(str(exc))
                        continue
                values[field] = raw or None
        if halves:
            joined = " ".join(cells[i].strip() for i in halves).strip()
            try:
                values["name"] = parse_text(joined, "name")
            except ValueProblem as exc:
                errors.append(str(exc))
        if errors:
            return Row(line, None, "; ".join(errors), None)
        return Row(line, values, None, None)

    return build
