"""Codes: the unambiguous alphabet we generate from, and adding a pool of codes in batches.

A pool is read line by line and written a thousand codes at a time, so a list of
100,000 codes (or more) is added in bounded memory. Blank lines are skipped, and a
code already in the pool (or earlier in the same list) is reported once with its line
number and added only once.
"""

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ambassador.extensions import db
from ambassador.offers.models import CODE_LENGTH, Offer, OfferCode
from ambassador.utils import ServiceError

# No 0/O, no 1/I/L: a code read aloud or copied by hand comes out right.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GENERATED_LENGTH = 10  # 31**10 ≈ 8 · 10**14 codes per offer
BATCH = 1000
MAX_LINE = 4096  # bytes read at once: a line longer than any code is reported, not held
EXAMPLES = 10


def new_code(length: int = GENERATED_LENGTH) -> str:
    """A random code like 'K7QM-XW4P-9T' from the unambiguous alphabet."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return "-".join(raw[i:i + 4] for i in range(0, length, 4))


def check_code(code: str) -> str | None:
    """Why a code cannot be used (too long, spaces, control characters), or None."""
    if len(code) > CODE_LENGTH:
        return _("A code has at most %(n)s characters.", n=CODE_LENGTH)
    if not code.isprintable() or " " in code:  # other spaces are not printable
        return _("A code cannot contain spaces or invisible characters.")
    return None


@dataclass
class CodeReport:
    """What adding a list of codes did, with a few example lines of each problem."""

    added: int = 0
    duplicates: int = 0
    blank: int = 0
    rejected: int = 0
    duplicate_lines: list[tuple[int, str]] = field(default_factory=list)
    rejected_lines: list[tuple[int, str]] = field(default_factory=list)

    def note(self, kind: str, line: int, text: str) -> None:
        """Count a duplicate or rejected line, keeping the first few as examples."""
        setattr(self, kind, getattr(self, kind) + 1)
        examples = self.duplicate_lines if kind == "duplicates" else self.rejected_lines
        if len(examples) < EXAMPLES:
            examples.append((line, text[:80]))


def lines_of_file(stream) -> Iterator[tuple[int, str | None]]:
    """(line number, text) for each line of an uploaded file; None for an unreadable line."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE)
        if not raw:
            return
        number += 1
        too_long = len(raw) == MAX_LINE and not raw.endswith(b"\n")
        while too_long:  # far longer than any code: skip the rest of the line unread
            rest = stream.readline(MAX_LINE)
            if not rest or rest.endswith(b"\n"):
                break
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            yield number, raw.decode("utf-8", errors="replace" if too_long else "strict")
        except UnicodeDecodeError:
            yield number, None


def lines_of_text(text: str) -> Iterator[tuple[int, str | None]]:
    """(line number, text) for each line of pasted text."""
    yield from enumerate((text or "").splitlines(), start=1)


_INSERT_QMARK = ("INSERT INTO offer_codes (offer_id, code) VALUES (?, ?) "
                 "ON CONFLICT (offer_id, code) DO NOTHING")
_INSERT_FORMAT = _INSERT_QMARK.replace("?", "%s")


def _insert(offer_id: int, codes: list[str]) -> None:
    """Insert new codes (one driver-level executemany), skipping one another upload just added.

    Written as plain SQL on purpose: a pool of 100,000 codes spends its time here.
    """
    connection = db.session.connection()
    sql = _INSERT_QMARK if connection.dialect.paramstyle == "qmark" else _INSERT_FORMAT
    connection.exec_driver_sql(
        sql,
        [(offer_id, code) for code in codes])


def _flush_batch(offer_id: int, batch: dict[str, int], report: CodeReport) -> None:
    """Write one batch (code -> line), reporting the codes the pool already has."""
    if not batch:
        return
    known = set(db.session.scalars(select(OfferCode.code).where(
        OfferCode.offer_id == offer_id, OfferCode.code.in_(list(batch)))))
    for code in known:
        report.note("duplicates", batch[code], code)
    fresh = [code for code in batch if code not in known]
    if fresh:
        _insert(offer_id, fresh)
    batch.clear()


def add_codes(offer: Offer, lines: Iterable[tuple[int, str | None]]) -> CodeReport:
    """Add every code of `lines` to the offer's pool, once each; flush; return the report."""
    if offer.code_mode != "pool":
        raise ServiceError(_("Only an offer with a pool of codes takes a list of codes."))
    report = CodeReport()
    before = _pool_size(offer.id)
    batch: dict[str, int] = {}
    for number, text in lines:
        if text is None:
            report.note("rejected", number, _("(not UTF-8 text)"))
            continue
        code = text.strip()
        if not code:
            report.blank += 1
            continue
        if check_code(code) is not None:
            report.note("rejected", number, code)
            continue
        if code in batch:
            report.note("duplicates", number, code)
            continue
        batch[code] = number
        if len(batch) >= BATCH:
            _flush_batch(offer.id, batch, report)
    _flush_batch(offer.id, batch, report)
    after = _pool_size(offer.id)
    report.added = after - before
    # The pool's size moves by what was really added, atomically beside concurrent claims.
    db.session.execute(update(Offer).where(Offer.id == offer.id)
                       .values(codes_total=Offer.codes_total + report.added)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(offer)
    return report


def _pool_size(offer_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(OfferCode).where(
        OfferCode.offer_id == offer_id))
