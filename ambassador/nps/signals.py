"""Signals `nps` sends, so that higher features react without `nps` importing them.

`responses_recorded` is sent once per recorded batch (an import chunk, an API call, a
check-in answer), never once per row, after the batch is written and flushed and
before the caller commits: a receiver's own writes join the same transaction.

    @responses_recorded.connect
    def on_responses(app, source, changes, response_ids): ...

`changes` maps each affected customer id to a `StatusChange(old, new)`; `source` is
"import", "api" or "checkin"; `response_ids` are the new responses' ids: a list, or for
a large import a `range` (its ids are one run), which receivers should keep as it is
rather than turn into a list of a million ids.
"""

from typing import NamedTuple

from blinker import Namespace

signals = Namespace()
responses_recorded = signals.signal("responses-recorded")


class StatusChange(NamedTuple):
    """A customer's ambassador status before and after a batch ("none" for new people)."""

    old: str
    new: str
