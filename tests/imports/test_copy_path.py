"""PostgreSQL's COPY path and the generic path write exactly the same tables.

One file of edge cases (exact duplicates, duplicates of stored answers, a reused external
id with another score, rejected and undated rows, one person with other details on
other rows, ties, several quarters and touchpoints) goes through both paths, with chunk
boundaries that differ; every table is compared by its natural keys, and so are the
`responses_recorded` signals.
"""

import random

import pytest
from sqlalchemy import select

from ambassador.extensions import db
from ambassador.imports import importer, readahead
from ambassador.imports.importer import import_file
from ambassador.nps import bulk
from ambassador.nps.models import Customer, QuarterScore, QuarterTally, Response
from ambassador.nps.services import record_responses
from ambassador.nps.signals import responses_recorded
from tests.conftest import empty_tables, utc
from tests.imports.test_parsing import make_csv

NOW = utc(2026, 11, 30, 12, 0)
HEADER = ["email", "score", "responded_at", "comment", "name", "company", "external_id",
          "touchpoint", "contact_ref", "language"]


def edge_cases() -> bytes:
    rng = random.Random(8)
    rows = [HEADER,
            # one person, details arriving over several rows: the first non-empty wins
            ["ann@x.io", "9", "2026-01-05T10:00:00Z", "", "", "", "", "", "", ""],
            ["ann@x.io", "7", "2026-02-05T10:00:00Z", "", "Ann", "", "", "relational", "", ""],
            ["ann@x.io", "10", "2026-03-05T10:00:00Z", "Top", "Annie", "Acme", "", "", "", "fr"],
            # an exact duplicate, twice
            ["bob@x.io", "6", "2026-04-01T08:00:00Z", "Cher", "Bob", "", "", "", "", ""],
            ["bob@x.io", "6", "2026-04-01T08:00:00Z", "Cher", "Bob", "", "", "", "", ""],
            # a reused external id with another score: the first one counts
            ["cem@x.io", "10", "2026-05-01T08:00:00Z", "", "Cem", "", "EXT-1", "", "", "tr"],
            ["cem@x.io", "3", "2026-05-02T08:00:00Z", "", "", "", "EXT-1", "", "", ""],
            # duplicates of what is already stored
            ["old@x.io", "8", "2025-12-01T00:00:00Z", "", "", "Filled", "", "", "", ""],
            ["old@x.io", "2", "", "", "", "", "STORED-1", "", "", ""],
            # rejected rows
            ["not-an-email", "9", "2026-01-01", "", "", "", "", "", "", ""],
            ["dan@x.io", "11", "2026-01-01", "", "", "", "", "", "", ""],
            ["dan@x.io", "5", "yesterday-ish", "", "", "", "", "", "", ""],
            # undated rows: stamped with the import's time
            ["eve@x.io", "9", "", "Sans date", "Eve", "", "", "transactional", "", ""],
            ["eve@x.io", "9", "", "Sans date", "Eve", "", "", "transactional", "", ""],
            # a tie: same moment, the later row wins the quarter
            ["fay@x.io", "4", "2026-06-01T09:00:00Z", "", "", "", "T-1", "", "", ""],
            ["fay@x.io", "9", "2026-06-01T09:00:00Z", "", "", "", "T-2", "", "", ""],
            # an older answer after a newer one: the latest score stays the newer
            ["gus@x.io", "10", "2026-09-01T09:00:00Z", "", "", "", "", "", "", ""],
            ["gus@x.io", "1", "2026-07-01T09:00:00Z", "", "", "", "", "", "", ""],
            # what COPY's text format must escape: tabs, backslashes, line breaks, \\N
            ["hal@x.io", "8", "2026-08-01T09:00:00Z", "Tab\there, back\\slash \\N",
             "Hal \\N", "", "", "", "C\\1", ""],
            ["hal@x.io", "9", "2026-08-02T09:00:00Z", "Two\nlines\r\nand CRLF", "", "", "", "",
             "", ""]]
    for n in range(60):  # enough people and quarters to cross chunk boundaries
        email = f"p{rng.randrange(15)}@x.io"
        rows.append([email, str(rng.randrange(11)),
                     f"2026-{rng.randrange(1, 12):02d}-{rng.randrange(1, 28):02d}T10:00:00Z",
                     rng.choice(["", "Bien", "Çok iyi"]), rng.choice(["", f"Name {n}"]),
                     rng.choice(["", "Co"]), rng.choice(["", f"R{n % 40}"]),
                     rng.choice(["", "relational", "transactional"]), "",
                     rng.choice(["", "fr", "tr"])])
    return make_csv(rows)


def _empty_tables() -> None:
    db.session.rollback()
    with db.engine.begin() as conn:
        empty_tables(conn)


def _stored_before() -> None:
    record_responses([
        {"email": "old@x.io", "score": 8, "responded_at": utc(2025, 12, 1), "name": "Old"},
        {"email": "old@x.io", "score": 2, "external_id": "STORED-1",
         "responded_at": utc(2025, 11, 1)},
    ], "api")
    db.session.commit()


def _snapshot() -> dict:
    db.session.expire_all()
    emails = dict(db.session.execute(select(Customer.id, Customer.email)).all())
    keys = dict(db.session.execute(select(Response.id, Response.dedupe_key)).all())
    customers = {c.email: (c.name, c.company, c.language, c.status, c.latest_score,
                           c.latest_response_at)
                 for c in db.session.scalars(select(Customer))}
    responses = {r.dedupe_key: (emails[r.customer_id], r.score, r.comment, r.responded_at,
                                r.source, r.touchpoint, r.contact_ref, r.external_id,
                                r.language)
                 for r in db.session.scalars(select(Response))}
    scores = {(q.quarter, q.touchpoint, emails[q.customer_id]):
              (q.score, q.responded_at, keys[q.response_id])
              for q in db.session.scalars(select(QuarterScore))}
    tallies = {(t.quarter, t.touchpoint, t.score): t.answers
               for t in db.session.scalars(select(QuarterTally)) if t.answers}
    return {"customers": customers, "responses": responses, "quarter_scores": scores,
            "quarter_tallies": tallies}


def _import(by_copy: bool, monkeypatch, slices: bool = False):
    """Import the edge cases on fresh tables; returns (report, tables, signal summary)."""
    _empty_tables()
    _stored_before()
    heard = {"changes": {}, "responses": 0, "signals": 0, "ids": set()}

    def listen(_app, source, changes, response_ids):
        heard["signals"] += 1
        heard["responses"] += len(response_ids)
        heard["ids"].update(response_ids)
        for cid, change in changes.items():
            email = db.session.get(Customer, cid).email
            first = heard["changes"].get(email, change)
            heard["changes"][email] = (first[0], change.new)

    monkeypatch.setattr(importer, "BATCH", 7)       # the generic path cuts here...
    monkeypatch.setattr(importer, "COPY_BATCH", 11)  # ...and the COPY path there,
    monkeypatch.setattr(bulk, "SIGNAL_SLICE", 4)     # announcing 4 responses at a time,
    monkeypatch.setattr(readahead, "BLOCK_ROWS", 2)   # writing each chunk in batches of
    monkeypatch.setattr(bulk, "WRITE_BATCH", 3)      # blocks of 2 rows (4 rows a batch)
    if slices:  # as when another writer took ids in between: announced slice by slice
        monkeypatch.setattr(bulk, "_one_run", lambda *_run: False)
    with responses_recorded.connected_to(listen):
        report = import_file(edge_cases(), now=NOW, by_copy=by_copy, commit_every=20)
        db.session.commit()
    return report, _snapshot(), heard


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's (make test-pg)")


@pytest.mark.parametrize("slices", [False, True], ids=["one signal", "in slices"])
def test_both_paths_write_the_same_tables(postgresql, monkeypatch, slices):
    generic_report, generic, generic_heard = _import(False, monkeypatch)
    copy_report, copied, copy_heard = _import(True, monkeypatch, slices)
    assert copy_report.summary == generic_report.summary
    assert copy_report.errors == generic_report.errors
    for table in generic:
        assert copied[table] == generic[table], table
    assert copy_heard["changes"] == generic_heard["changes"]
    assert copy_heard["responses"] == generic_heard["responses"] == generic_report.imported
    assert len(copy_heard["ids"]) == copy_heard["responses"]  # each response heard once
    assert copy_heard["signals"] < copy_report.rows_read  # once per slice, not per row

    assert generic_report.rejected == 3
    ann = generic["customers"]["ann@x.io"]
    assert ann[:4] == ("Ann", "Acme", "fr", "active")   # first non-empty, in file order
    old = generic["customers"]["old@x.io"]
    assert old[:2] == ("Old", "Filled")                  # a stored gap filled, name kept
    cem = [v for v in generic["responses"].values() if v[0] == "cem@x.io"]
    assert [v[1] for v in cem] == [10]                   # EXT-1 again is a duplicate
    eve = [v for v in generic["responses"].values() if v[0] == "eve@x.io"]
    assert [v[3] for v in eve] == [NOW]                  # undated: once, at the import time
    assert generic["customers"]["gus@x.io"][4] == 10     # an older answer changes nothing
    assert generic["quarter_scores"][("2026-Q2", "", "fay@x.io")][0] == 9  # the later row
    hal = sorted(v[2] for v in generic["responses"].values() if v[0] == "hal@x.io")
    assert hal == ["Tab\there, back\\slash \\N", "Two\nlines\r\nand CRLF"]
    assert generic["customers"]["hal@x.io"][0] == "Hal \\N"


def test_importing_the_file_again_by_copy_adds_nothing(postgresql, monkeypatch):
    report, tables, _heard = _import(True, monkeypatch)
    again = import_file(edge_cases(), now=NOW, by_copy=True)
    db.session.commit()
    assert again.imported == 0 and again.duplicates == report.imported + report.duplicates
    assert _snapshot() == tables
