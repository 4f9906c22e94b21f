"""Recording a large file's responses on PostgreSQL at the speed of the database.

The same rules as `services.record_responses`, written set-based: each chunk of
validated rows is streamed into a temporary staging table with COPY, then a few
statements de-duplicate it (DISTINCT ON in the chunk, NOT EXISTS against what is
stored), create the missing customers with their details, insert the responses and,
chained to that insert, upsert one quarter_scores row per key, and finally write each
affected customer once (details they were missing, latest score and status). Every
write keeps ON CONFLICT, so a concurrent API call or check-in never makes an import
fail. `responses_recorded` is sent once per chunk, with the same payload.

Customer details follow file order: a person's first non-empty name, company and
language in the file fill what their record lacks.
"""

from collections.abc import Iterable

from sqlalchemy import text

from ambassador.extensions import db
from ambassador.nps.services import IngestResult, announce_batch, dedupe_key
from ambassador.utils import utcnow

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


def _copy_into_stage(cursor, items: Iterable[dict], now) -> int:
    """Stream the rows into import_stage (nothing is kept in memory); returns how many."""
    seq = 0
    with cursor.copy(f"COPY import_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
        write = copy.write_row
        for values in items:
            if not values.get("responded_at"):
                values = {**values, "responded_at": now}
            get = values.get
            write((seq, values["email"], values["score"], values["responded_at"],
                   get("comment"), get("name"), get("company"), get("external_id"),
                   get("touchpoint"), get("contact_ref"), get("language"),
                   dedupe_key(values)))
            seq += 1
    return seq


def record_chunk_by_copy(items: Iterable[dict], source: str) -> IngestResult:
    """Store one chunk of validated responses on PostgreSQL (see the module); flushes.

    `items` is consumed as it is streamed to the database; a chunk of no rows returns
    an empty result (created + duplicates tell how many rows the chunk had).
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
        rows = _copy_into_stage(cursor, items, now)
    finally:
        cursor.close()
    if not rows:
        return IngestResult()
    connection.execute(text(_CUSTOMERS), {"now": now})
    connection.execute(text(_RESPONSES), {"now": now, "source": source})
    # One array value, not a row per response: little memory however large the chunk.
    ids = connection.execute(
        text("SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM import_inserted")).scalar()
    if not ids:
        return IngestResult(duplicates=rows)
    before = dict(connection.execute(text(_STATUSES)).all())
    connection.execute(text(_UPDATE_CUSTOMERS))
    session.expire_all()
    announce_batch(source, set(before), before, ids)
    return IngestResult(created=len(ids), duplicates=rows - len(ids), response_ids=ids)
