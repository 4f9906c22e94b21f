"""Benchmark `flask nps import` against PostgreSQL's own `\\copy` of the same CSV file.

    python bench/import_bench.py [--rows 200000] [--url postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_bench_import]

Generates a realistic file in our import template, resets the database, builds the schema
with the migrations, then times (a) `psql \\copy` of the file into a bare all-text table
and (b) `flask --app ambassador nps import FILE` as a subprocess (the honest figure:
interpreter start, two passes over the file, validation, de-duplication, customers,
quarter scores and statuses). Prints both times, the ratio and the import's peak
memory; then a re-import (all duplicates) for comparison. With --floor, also the same
writes as pure SQL from a staged copy (no Python), and the import's ratio to that floor
(goal: at most 1.2x the floor; 1,000,000 rows in under 60 s; peak memory under 150 MB).
"""

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_bench_import"
COLUMNS = ["email", "score", "responded_at", "comment", "name", "company", "external_id",
           "touchpoint", "contact_ref", "language"]
FIRST = ["Ana", "Léa", "Chloé", "Hélène", "Jérôme", "François", "Zoë", "Şükrü", "Ayşe", "Gül",
         "Çağla", "Ömer", "İlker", "John", "Mary", "Peter", "Ines", "Noé", "Björn", "Marta"]
LAST = ["Martin", "Lefèvre", "Dubois", "Yılmaz", "Öztürk", "Kaya", "Şahin", "Smith", "Müller",
        "García", "Rossi", "Nowak", "Çelik", "Doğan", "Moreau", "Brown", "Bernard", "Aydın"]
COMPANIES = ["Acme", "Société Générale d'Études", "Ağaoğlu A.Ş.", "Globex", "Initech",
             "Müller GmbH", "Café Crème SARL", "Umbrella", "", "", ""]
COMMENTS = ["Très bon service, merci !", "Livraison rapide, équipe réactive.",
            "Çok memnun kaldım, teşekkürler.", "Fiyatlar biraz yüksek.", "Great support team.",
            "Le produit est cher mais de qualité.", "Uygulama bazen yavaş açılıyor.",
            "Would recommend to colleagues.", "Trop de bugs depuis la mise à jour.",
            "Müşteri hizmetleri çok ilgili.", "Interface claire, prise en main facile."]


def generate(path: Path, rows: int, people: int = 60_000, seed: int = 2026) -> None:
    """Write `rows` responses by ~`people` customers over two years, in our template."""
    rng = random.Random(seed)
    start = datetime(2024, 12, 1, tzinfo=UTC)
    span = int(timedelta(days=730).total_seconds())
    persons = [(f"customer{i}@example{i % 97}.com", f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                rng.choice(COMPANIES), rng.choice(["fr", "tr", "en", ""])) for i in range(people)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(COLUMNS)
        for n in range(rows):
            email, name, company, language = persons[rng.randrange(people)]
            score = rng.choices(range(11), weights=[2, 1, 1, 2, 2, 4, 6, 10, 14, 22, 26])[0]
            moment = start + timedelta(seconds=rng.randrange(span))
            out.writerow([
                email, score, moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                rng.choice(COMMENTS) if rng.random() < 0.35 else "",
                name, company, f"R_{n:07d}" if rng.random() < 0.5 else "",
                rng.choice(["relational", "transactional", ""]),
                f"CRM-{rng.randrange(10**6)}" if rng.random() < 0.2 else "", language,
            ])


# --floor: the same work as pure set-based SQL from a staged copy of the file (no Python at
# all): what this schema's indexes, foreign keys and quarter_scores upkeep cost by themselves.
FLOOR_SQL = r"""
BEGIN;
CREATE TEMP TABLE raw ({columns}) ON COMMIT DROP;
\copy raw FROM '{path}' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE stage ON COMMIT DROP AS
SELECT row_number() OVER () AS seq, email, score::smallint AS score,
       responded_at::timestamptz AS responded_at, nullif(comment, '') AS comment,
       nullif(name, '') AS name, nullif(company, '') AS company,
       nullif(external_id, '') AS external_id, nullif(touchpoint, '') AS touchpoint,
       nullif(contact_ref, '') AS contact_ref, nullif(language, '') AS language,
       left(encode(sha256(convert_to(coalesce('x' || external_id,
                                              'k' || email || score || responded_at),
                                     'UTF8')), 'hex'), 32)::uuid AS dedupe_key
FROM raw;
INSERT INTO customers (email, name, company, language, status, created_at)
SELECT email, (array_agg(name ORDER BY seq) FILTER (WHERE name IS NOT NULL))[1],
       (array_agg(company ORDER BY seq) FILTER (WHERE company IS NOT NULL))[1],
       (array_agg(language ORDER BY seq) FILTER (WHERE language IS NOT NULL))[1],
       'none', now()
FROM stage GROUP BY email ON CONFLICT (email) DO NOTHING;
CREATE TEMP TABLE ins ON COMMIT DROP AS
WITH i AS (
  INSERT INTO responses (customer_id, score, comment, responded_at, source, touchpoint,
                         contact_ref, external_id, language, dedupe_key, created_at)
  SELECT c.id, s.score, s.comment, s.responded_at, 'import', s.touchpoint, s.contact_ref,
         s.external_id, s.language, s.dedupe_key, now()
  FROM stage s JOIN customers c ON c.email = s.email ORDER BY s.seq
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id, customer_id, score, responded_at, touchpoint)
SELECT * FROM i;
INSERT INTO quarter_scores AS q (quarter, touchpoint, customer_id, score, responded_at,
                                 response_id)
SELECT DISTINCT ON (customer_id, quarter, tp) quarter, tp, customer_id, score, responded_at, id
FROM (SELECT to_char(responded_at AT TIME ZONE 'UTC', 'YYYY-"Q"Q') AS quarter, t.tp,
             customer_id, score, responded_at, id
      FROM ins CROSS JOIN LATERAL (VALUES (''), (coalesce(ins.touchpoint, ''))) t(tp)) x
ORDER BY customer_id, quarter, tp, responded_at DESC, id DESC
ON CONFLICT (quarter, touchpoint, customer_id) DO UPDATE
SET score = excluded.score, responded_at = excluded.responded_at,
    response_id = excluded.response_id
WHERE excluded.responded_at >= q.responded_at;
UPDATE customers c SET latest_score = l.score, latest_response_at = l.responded_at,
       status = CASE WHEN l.score >= 9 THEN 'active' ELSE 'lapsed' END
FROM (SELECT DISTINCT ON (customer_id) customer_id, score, responded_at FROM ins
      ORDER BY customer_id, responded_at DESC, id DESC) l
WHERE c.id = l.customer_id
  AND (c.latest_response_at IS NULL OR c.latest_response_at <= l.responded_at);
COMMIT;
"""


def psql_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def reset_database(url: str) -> None:
    """Drop and create the benchmark database (its name is the last part of the URL)."""
    base, name = psql_url(url).rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run(cmd: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Run cmd; return (seconds, peak RSS of the child in MiB, stdout)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - began
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode()
        if child.returncode not in (0, 3):
            sys.exit(f"{' '.join(cmd)} failed ({child.returncode}):\n{text}{err.read().decode()}")
    return elapsed, usage.ru_maxrss // 1024, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--file", type=Path, help="keep the generated CSV at this path")
    parser.add_argument("--floor", action="store_true",
                        help="also time the same work as pure SQL (the schema's lower bound)")
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory()
    path = args.file or Path(workdir.name) / "responses.csv"
    began = time.perf_counter()
    generate(path, args.rows)
    print(f"file: {path} ({args.rows:,} rows, {path.stat().st_size / 2**20:.1f} MiB,"
          f" generated in {time.perf_counter() - began:.1f} s)")

    reset_database(args.url)
    env = {**os.environ, "DATABASE_URL": args.url, "AMBASSADOR_ENV": "development"}
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "ambassador"]
    run([*flask, "db", "upgrade"], env)
    columns = ", ".join(f"{c} text" for c in COLUMNS)
    with psycopg.connect(psql_url(args.url), autocommit=True) as conn:
        conn.execute(f"CREATE TABLE bench_copy ({columns})")

    copy_s, copy_mb, _ = run(["psql", psql_url(args.url), "-q", "-c",
                              f"\\copy bench_copy FROM '{path}' WITH (FORMAT csv, HEADER true)"])
    import_s, import_mb, output = run([*flask, "nps", "import", str(path)], env)
    again_s, _, again = run([*flask, "nps", "import", str(path)], env)
    with psycopg.connect(psql_url(args.url)) as conn:
        stored = conn.execute("SELECT count(*) FROM responses").fetchone()[0]
        people = conn.execute("SELECT count(*) FROM customers").fetchone()[0]

    print(f"psql \\copy:        {copy_s:7.2f} s  ({args.rows / copy_s:,.0f} rows/s)")
    print(f"flask nps import:  {import_s:7.2f} s  ({args.rows / import_s:,.0f} rows/s),"
          f" peak memory {import_mb} MiB")
    print(f"ratio to \\copy:    {import_s / copy_s:7.1f}x")
    print(f"re-import:         {again_s:7.2f} s  ({again.strip().splitlines()[-1]})")
    print(f"import said:       {output.strip().splitlines()[-1]}")
    print(f"stored:            {stored:,} responses, {people:,} customers")
    if args.floor:
        reset_database(args.url)
        run([*flask, "db", "upgrade"], env)
        with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
            script.write(FLOOR_SQL.format(columns=columns, path=path))
            script.flush()
            floor_s, _, _ = run(["psql", psql_url(args.url), "-q", "-v", "ON_ERROR_STOP=1",
                                 "-f", script.name])
        print(f"pure SQL floor:    {floor_s:7.2f} s  ({floor_s / copy_s:.1f}x \\copy): the same"
              " writes from a staged copy, no Python")
        print(f"ratio to floor:    {import_s / floor_s:7.2f}x  (goal: at most 1.2x)")
    workdir.cleanup()


if __name__ == "__main__":
    main()
