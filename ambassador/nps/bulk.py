"""Recording a large file's responses on PostgreSQL at the speed of the database.

The same rules as `services.record_responses`, written set-based. A chunk of validated
rows is written in batches of WRITE_BATCH rows, each streamed into a temporary table
with COPY and written with a few statements: create the people not known yet (their
first details in the batch) and insert the responses in file order. De-duplication is
the insert's own ON CONFLICT DO NOTHING on the unique key: a key already stored, or met
earlier in the file (rows go in file order, so the first one wins), is skipped. Once
the chunk's batches are in, one quarter_scores row per key is upserted, and each
affected person is written once: the details their record lacks, their latest score
and status. Every write keeps ON CONFLICT, so a concurrent API call or check-in never
makes an import fail. `responses_recorded` is then sent once for the chunk, its new ids
as a `range` (in slices of SIGNAL_SLICE ids in the rare case they are not one run).

Batches let the database write one batch while the rows of the next are read and
checked in another thread (`imports.readahead`); what is written once per person or
per quarter waits for the end of the chunk, so cutting it in batches does not repeat it.

Customer details follow file order: a person's first non-empty name, company and
language in the file fill what their record lacks.
"""

import re
from collections.abc import Iterable, Iterator

from sqlalchemy import text

from ambassador.extensions import db
from ambassador.nps.services import IngestResult, announce_batch, dedupe_hex
from ambassador.utils import utcnow

# Rows per batch of a chunk: small enough that the next batch is read while the database
# writes this one, large enough that each statement's fixed cost is nothing.
WRITE_BATCH = 50_000
# New responses per `responses_recorded` signal when a chunk's new ids are not one run
# (another writer stored responses meanwhile): neither this module nor a listener then
# holds a million ids at once.
SIGNAL_SLICE = 10_000
STAGE_COLUMNS = ("seq", "email", "score", "responded_at", "comment", "name", "company",
                 "external_id", "touchpoint", "contact_ref", "language", "dedupe_key")

_CREATE_TABLES = (
    """CREATE TEMP TABLE IF NOT EXISTS import_batch (
        seq integer, email text, score smallint, responded_at timestamptz, comment text,
        name text, company text, external_id text, touchpoint text, contact_ref text,
        language text, dedupe_key uuid)""",
    # Details that may fill what a person's record lacks, in file order (seq).
    """CREATE TEMP TABLE IF NOT EXISTS import_details (
        email text, seq integer, name text, company text, language text)""",
    """CREATE TEMP TABLE IF NOT EXISTS import_inserted (
        id integer, customer_id integer, score smallint, responded_at timestamptz,
        touchpoint text)""",
)

# New people, with their first non-empty details in the batch.
_CUSTOMERS = """
INSERT INTO customers (email, name, company, language, status, created_at)
SELECT email,
       (array_agg(name ORDER BY seq) FILTER (WHERE name IS NOT NULL))[1],
       (array_agg(company ORDER BY seq) FILTER (WHERE company IS NOT NULL))[1],
       (array_agg(language ORDER BY seq) FILTER (WHERE language IS NOT NULL))[1],
       'none', :now
FROM import_batch s
WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.email = s.email)
GROUP BY email
ORDER BY min(seq)
ON CONFLICT (email) DO NOTHING
"""

# The batch's new responses in file order (a key stored already, or met earlier in the
# file, is skipped by ON CONFLICT), kept for what follows.
_RESPONSES = """
WITH inserted AS (
    INSERT INTO responses (customer_id, score, comment, responded_at, source, touchpoint,
                           contact_ref, external_id, language, dedupe_key, created_at)
    SELECT c.id, b.score, b.comment, b.responded_at, :source, b.touchpoint, b.contact_ref,
           b.external_id, b.language, b.dedupe_key, :now
    FROM import_batch b JOIN customers c ON c.email = b.email
    ORDER BY b.seq
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id, customer_id, score, responded_at, touchpoint
)
INSERT INTO import_inserted SELECT * FROM inserted
"""

# One quarter_scores upsert per (quarter, touchpoint, customer) for the whole chunk: done
# once, each key is written once (batch by batch, every batch would walk the indexes
# again). Sorted by customer first: a sort led by a few quarter strings compares text
# for nearly every pair (a million answers: 6.7 s of sorting instead of 2.7 s).
_QUARTER_SCORES = """
INSERT INTO quarter_scores AS q (quarter, touchpoint, customer_id, score, responded_at,
                                 response_id)
SELECT DISTINCT ON (customer_id, quarter, tp) quarter, tp, customer_id, score, responded_at,
       id
FROM (SELECT to_char(k.responded_at AT TIME ZONE 'UTC', 'YYYY-"Q"Q') AS quarter, t.tp,
             k.customer_id, k.score, k.responded_at, k.id
      FROM import_inserted k
      CROSS JOIN LATERAL (VALUES (''), (coalesce(k.touchpoint, ''))) t(tp)) x
ORDER BY customer_id, quarter, tp, responded_at DESC, id DESC
ON CONFLICT (quarter, touchpoint, customer_id) DO UPDATE
SET score = excluded.score, responded_at = excluded.responded_at,
    response_id = excluded.response_id
WHERE excluded.responded_at >= q.responded_at
"""

# The batch's rows that could fill a detail their person's record lacks (most rows of a
# file repeat what the record has: they are not kept).
_DETAILS = """
INSERT INTO import_details (email, seq, name, company, language)
SELECT b.email, b.seq, b.name, b.company, b.language
FROM import_batch b JOIN customers c ON c.email = b.email
WHERE (coalesce(c.name, '') = '' AND b.name IS NOT NULL)
   OR (coalesce(c.company, '') = '' AND b.company IS NOT NULL)
   OR (coalesce(c.language, '') = '' AND b.language IS NOT NULL)
"""

# The statuses the chunk's people had before it ("none", the status of new people, is
# what a person missing here had).
_STATUSES = """
SELECT c.id, c.status FROM customers c
WHERE c.id IN (SELECT DISTINCT customer_id FROM import_inserted) AND c.status <> 'none'
"""

# Each affected person once: the details their record lacks (first non-empty in file
# order), and their latest score and status unless they have a later answer.
_UPDATE_CUSTOMERS = """
WITH details AS (
    SELECT email,
           (array_agg(name ORDER BY seq) FILTER (WHERE name IS NOT NULL))[1] AS name,
           (array_agg(company ORDER BY seq) FILTER (WHERE company IS NOT NULL))[1] AS company,
           (array_agg(language ORDER BY seq) FILTER (WHERE language IS NOT NULL))[1]
               AS language
    FROM import_details GROUP BY email
), latest AS (
    SELECT DISTINCT ON (customer_id) customer_id, score, responded_at
    FROM import_inserted ORDER BY customer_id, responded_at DESC, id DESC
), touched AS (
    SELECT customer_id AS id FROM latest
    UNION SELECT c.id FROM details d JOIN customers c ON c.email = d.email
), changes AS (
    SELECT c.id, d.name, d.company, d.language, l.score, l.responded_at,
           l.customer_id IS NOT NULL AND (c.latest_response_at IS NULL
                                          OR c.latest_response_at <= l.responded_at) AS later
    FROM touched t JOIN customers c ON c.id = t.id
    LEFT JOIN details d ON d.email = c.email
    LEFT JOIN latest l ON l.customer_id = c.id
)
UPDATE customers c SET
    name = CASE WHEN coalesce(c.name, '') = '' THEN coalesce(x.name, c.name) ELSE c.name END,
    company = CASE WHEN coalesce(c.company, '') = '' THEN coalesce(x.company, c.company)
                   ELSE c.company END,
    language = CASE WHEN coalesce(c.language, '') = '' THEN coalesce(x.language, c.language)
                    ELSE c.language END,
    latest_score = CASE WHEN x.later THEN x.score ELSE c.latest_score END,
    latest_response_at = CASE WHEN x.later THEN x.responded_at ELSE c.latest_response_at END,
    status = CASE WHEN NOT x.later THEN c.status WHEN x.score >= 9 THEN 'active'
                  ELSE 'lapsed' END
FROM changes x
WHERE c.id = x.id
  AND (x.later
       OR (coalesce(c.name, '') = '' AND x.name IS NOT NULL)
       OR (coalesce(c.company, '') = '' AND x.company IS NOT NULL)
       OR (coalesce(c.language, '') = '' AND x.language IS NOT NULL))
"""


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_TEXT_FIELDS = ("email", "comment", "name", "company", "external_id", "touchpoint",
                "contact_ref", "language")


def _field(value: str | None) -> str:
    """One text field of COPY's text format: \\N for NULL, backslash escapes."""
    if value is None:
        return "\\N"
    return value.translate(_COPY_ESCAPES)


def copy_line(seq: int, values: dict, now) -> str:
    """One validated row as a line of import_batch's COPY text (file order in `seq`).

    The hot loop of the reading thread: the text fields are checked for what COPY must
    escape all at once, and escaped one by one only when one of them needs it.
    """
    if not values.get("responded_at"):
        values = {**values, "responded_at": now}
    moment = values["responded_at"]
    texts = list(map(values.get, _TEXT_FIELDS))
    if _NEEDS_ESCAPE.search("".join([t for t in texts if t is not None])):
        texts = [_field(t) for t in texts]
    else:
        texts = ["\\N" if t is None else t for t in texts]
    return "\t".join((
        str(seq), texts[0], str(values["score"]),
        moment.isoformat() if moment.tzinfo else moment.isoformat() + "+00:00",
        *texts[1:], dedupe_hex(values))) + "\n"


def _batch(blocks: Iterator[bytes], rows: int) -> Iterator[bytes]:
    """The next blocks of `blocks`, until they hold at least `rows` rows."""
    held = 0
    while held < rows and (block := next(blocks, None)) is not None:
        held += block.count(b"\n")
        yield block


def _copy_into_batch(cursor, blocks: Iterable[bytes]) -> int:
    """Stream blocks of COPY text into import_batch; returns how many rows they held."""
    rows = 0
    with cursor.copy(f"COPY import_batch ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
        for block in blocks:
            copy.write(block)
            rows += block.count(b"\n")
    return rows


def record_staged_chunk(blocks: Iterable[bytes], source: str) -> IngestResult:
    """Store one chunk of validated responses on PostgreSQL (see the module); flushes.

    `blocks` hold the chunk's rows as COPY text lines (`copy_line`, numbered in file
    order), so that the rows can be read and encoded ahead, in another thread, while the
    database works; they are consumed as they are streamed to the database. A chunk of
    no rows returns an empty result (created + duplicates tell how many rows it had).
    """
    now = utcnow()
    session = db.session
    session.flush()
    connection = session.connection()
    # The chunk's sorts (latest per person and per key) stay in memory, not on disk.
    connection.execute(text("SET LOCAL work_mem = '64MB'"))
    for create in _CREATE_TABLES:
        connection.execute(text(create))
    connection.execute(text("TRUNCATE import_batch, import_details, import_inserted"))
    blocks, rows = iter(blocks), 0
    cursor = connection.connection.driver_connection.cursor()
    try:
        while batch := _copy_into_batch(cursor, _batch(blocks, WRITE_BATCH)):
            rows += batch
            # Temporary tables get no statistics of their own: without them the planner
            # takes a batch for a few hundred rows and may join it by nested loops. Its
            # size and the emails it joins on are all the plans need.
            connection.execute(text("ANALYZE import_batch (email)"))
            connection.execute(text(_CUSTOMERS), {"now": now})
            connection.execute(text(_RESPONSES), {"now": now, "source": source})
            connection.execute(text(_DETAILS))
            connection.execute(text("TRUNCATE import_batch"))
    finally:
        cursor.close()
    if not rows:
        return IngestResult()
    connection.execute(text("ANALYZE import_inserted, import_details"))
    first, last, created = connection.execute(
        text("SELECT min(id), max(id), count(*) FROM import_inserted")).one()
    before = {}
    if created:
        connection.execute(text(_QUARTER_SCORES))
        before = dict(connection.execute(text(_STATUSES)).all())
    # Duplicates too name their person: a re-imported file fills the details a record lacks.
    connection.execute(text(_UPDATE_CUSTOMERS))
    session.expire_all()
    if created:
        _announce(connection, source, before, range(first, last + 1), created)
    return IngestResult(created=created, duplicates=rows - created)


def _announce(connection, source: str, before: dict[int, str], ids: range,
              created: int) -> None:
    """`responses_recorded` for the chunk's `created` new responses, their ids within `ids`.

    Their ids are nearly always one run (nobody else stored a response meanwhile): then
    one signal carries them as a `range`, so listeners work on the whole chunk in a few
    statements, whatever its size, and memory stays flat. Otherwise they go SIGNAL_SLICE
    at a time, from a server-side cursor; each person's status change goes with the first
    slice holding one of their answers, so listeners hear of every response and every
    change exactly once.
    """
    if _one_run(ids, created):
        people = connection.execute(
            text("SELECT DISTINCT customer_id FROM import_inserted")).scalars().all()
        announce_batch(source, people, before, ids)
        return
    announced: set[int] = set()
    # A server-side cursor: listeners use the same connection between two fetches.
    with connection.connection.driver_connection.cursor(name="import_announce") as ids:
        ids.execute("SELECT id, customer_id FROM import_inserted ORDER BY id")
        while part := ids.fetchmany(SIGNAL_SLICE):
            people = {customer_id for _id, customer_id in part} - announced
            announced |= people
            announce_batch(source, people, before, [ident for ident, _customer in part])


def _one_run(ids: range, count: int) -> bool:
    """True when `count` ids from the first to the last of `ids` leave no gap."""
    return len(ids) == count
