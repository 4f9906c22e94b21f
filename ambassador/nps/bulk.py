"""Recording a large file's responses on PostgreSQL at the speed of the database.

The same rules as `services.record_responses`, written set-based: each chunk of
validated rows is streamed into a temporary staging table with COPY, then a few
statements de-duplicate it (DISTINCT ON in the chunk, NOT EXISTS against what is
stored), create the missing customers with their details, insert the responses and,
chained to that insert, upsert one quarter_scores row per key, and finally write each
affected customer once (details they were missing, latest score and status). Every
write keeps ON CONFLICT, so a concurrent API call or check-in never makes an import
fail. `responses_recorded` is sent once per slice of SIGNAL_SLICE new responses, with
the same payload as the generic path's.

Customer details follow file order: a person's first non-empty name, company and
language in the file fill what their record lacks.
"""

from collections.abc import Iterable

from sqlalchemy import text

from ambassador.extensions import db
from ambassador.nps.services import IngestResult, announce_batch, dedupe_key
from ambassador.utils import utcnow

# New responses per `responses_recorded` signal: a chunk of a million rows is announced in
# slices, so that neither this module nor a listener holds a million ids at once.
SIGNAL_SLICE = 10_000
STAGE_COLUMNS = ("seq", "email", "score", "responded_at", "comment", "name", "company",
                 "external_id", "touchpoint", "contact_ref", "language", "dedupe_key")

_CREATE_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS import_stage (
    seq integer, email text, score smallint, responded_at timestamptz, comment text,
    name text, company text, external_id text, touchpoint text, contact_ref text,
    language text, dedupe_key text)
"""
_CREATE_INSERTED = """
CREATE TEMP TABLE IF NOT EXISTS import_inserted (
    id integer, customer_id integer, score smallint, responded_at timestamptz,
    touchpoint text)
"""

# New people, with their first non-empty details in file order.
_CUSTOMERS = """
INSERT INTO customers (email, name, company, language, status, created_at)
SELECT email,
       (array_agg(name ORDER BY seq) FILTER (WHERE name IS NOT NULL))[1],
       (array_agg(company ORDER BY seq) FILTER (WHERE company IS NOT NULL))[1],
       (array_agg(language ORDER BY seq) FILTER (WHERE language IS NOT NULL))[1],
       'none', :now
FROM import_stage s
WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.email = s.email)
GROUP BY email
ORDER BY min(seq)
ON CONFLICT (email) DO NOTHING
"""

# The chunk's new responses (first of each key in file order, unknown keys only), and
# chained to them one quarter_scores upsert per (quarter, touchpoint, customer).
_RESPONSES = """
WITH fresh AS (
    SELECT * FROM (
        SELECT DISTINCT ON (dedupe_key) * FROM import_stage ORDER BY dedupe_key, seq) d
    WHERE NOT EXISTS (SELECT 1 FROM responses r WHERE r.dedupe_key = d.dedupe_key)
), inserted AS (
    INSERT INTO responses (customer_id, score, comment, responded_at, source, touchpoint,
                           contact_ref, external_id, language, dedupe_key, created_at)
    SELECT c.id, f.score, f.comment, f.responded_at, :source, f.touchpoint, f.contact_ref,
           f.external_id, f.language, f.dedupe_key, :now
    FROM fresh f JOIN customers c ON c.email = f.email
    ORDER BY f.seq
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id, customer_id, score, responded_at, touchpoint
), kept AS (
    INSERT INTO import_inserted SELECT * FROM inserted RETURNING *
)
INSERT INTO quarter_scores AS q (quarter, touchpoint, customer_id, score, responded_at,
                                 response_id)
SELECT DISTINCT ON (quarter, tp, customer_id) quarter, tp, customer_id, score, responded_at,
       id
FROM (SELECT to_char(k.responded_at AT TIME ZONE 'UTC', 'YYYY-"Q"Q') AS quarter, t.tp,
             k.customer_id, k.score, k.responded_at, k.id
      FROM kept k CROSS JOIN LATERAL (VALUES (''), (coalesce(k.touchpoint, ''))) t(tp)) x
ORDER BY quarter, tp, customer_id, responded_at DESC, id DESC
ON CONFLICT (quarter, touchpoint, customer_id) DO UPDATE
SET score = excluded.score, responded_at = excluded.responded_at,
    response_id = excluded.response_id
WHERE excluded.responded_at >= q.responded_at
"""

_STATUSES = """
SELECT c.id, c.status FROM customers c
WHERE c.id IN (SELECT DISTINCT customer_id FROM import_inserted)
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
    FROM import_stage GROUP BY email
), latest AS (
    SELECT DISTINCT ON (customer_id) customer_id, score, responded_at
    FROM import_inserted ORDER BY customer_id, responded_at DESC, id DESC
), changes AS (
    SELECT c.id, d.name, d.company, d.language, l.score, l.responded_at,
           l.customer_id IS NOT NULL AND (c.latest_response_at IS NULL
                                          OR c.latest_response_at <= l.responded_at) AS later
    FROM details d JOIN customers c ON c.email = d.email
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


def _field(value) -> str:
    """One text field of COPY's text format: \\N for NULL, backslash escapes."""
    if value is None:
        return "\\N"
    value = str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def copy_line(seq: int, values: dict, now) -> str:
    """One validated row as a line of import_stage's COPY text (file order in `seq`)."""
    if not values.get("responded_at"):
        values = {**values, "responded_at": now}
    get, moment = values.get, values["responded_at"]
    return "\t".join((
        str(seq), _field(values["email"]), str(values["score"]),
        moment.isoformat() if moment.tzinfo else moment.isoformat() + "+00:00",
        _field(get("comment")), _field(get("name")),
        _field(get("company")), _field(get("external_id")), _field(get("touchpoint")),
        _field(get("contact_ref")), _field(get("language")), dedupe_key(values))) + "\n"


def _copy_into_stage(cursor, blocks: Iterable[bytes]) -> int:
    """Stream blocks of COPY text into import_stage; returns how many rows they held."""
    rows = 0
    with cursor.copy(f"COPY import_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
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
    # The chunk's sorts (de-duplication, latest per key) stay in memory, not on disk.
    connection.execute(text("SET LOCAL work_mem = '64MB'"))
    connection.execute(text(_CREATE_STAGE))
    connection.execute(text(_CREATE_INSERTED))
    connection.execute(text("TRUNCATE import_stage, import_inserted"))
    cursor = connection.connection.driver_connection.cursor()
    try:
        rows = _copy_into_stage(cursor, blocks)
    finally:
        cursor.close()
    if not rows:
        return IngestResult()
    # Temporary tables get no statistics of their own: without them the planner takes a
    # chunk for a few hundred rows and joins a million-row chunk by nested loops (the
    # customers update of 1,000,000 rows: 179 s instead of a few).
    connection.execute(text("ANALYZE import_stage"))
    connection.execute(text(_CUSTOMERS), {"now": now})
    connection.execute(text(_RESPONSES), {"now": now, "source": source})
    connection.execute(text("ANALYZE import_inserted"))
    created = connection.execute(text("SELECT count(*) FROM import_inserted")).scalar()
    if not created:
        return IngestResult(duplicates=rows)
    before = dict(connection.execute(text(_STATUSES)).all())
    connection.execute(text(_UPDATE_CUSTOMERS))
    session.expire_all()
    _announce(connection, source, before)
    return IngestResult(created=created, duplicates=rows - created)


def _announce(connection, source: str, before: dict[int, str]) -> None:
    """`responses_recorded` for the chunk's new responses, SIGNAL_SLICE of them at a time.

    Each person's status change goes with the first slice holding one of their answers,
    so listeners hear of every response and every change exactly once, and memory stays
    flat however large the chunk (the ids are streamed from the database).
    """
    announced: set[int] = set()
    # A server-side cursor: listeners use the same connection between two fetches.
    with connection.connection.driver_connection.cursor(name="import_announce") as ids:
        ids.execute("SELECT id, customer_id FROM import_inserted ORDER BY id")
        while part := ids.fetchmany(SIGNAL_SLICE):
            people = {customer_id for _id, customer_id in part} - announced
            announced |= people
            announce_batch(source, people, before, [ident for ident, _customer in part])
