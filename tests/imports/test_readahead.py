"""Reading ahead in a thread: chunks cut where they should, nothing lost, the thread always ends."""

import itertools
import threading

import pytest

from ambassador.imports import readahead
from ambassador.imports.parsing import ImportFileError, Row
from ambassador.imports.readahead import ReadAhead
from tests.conftest import utc

NOW = utc(2026, 11, 30, 12, 0)


def valid(line: int) -> Row:
    return Row(line, {"email": f"p{line}@x.io", "score": 9, "responded_at": utc(2026, 1, 1)},
               None)


def chunks_of(feed: ReadAhead) -> list[list[readahead.Block]]:
    found = []
    while not feed.finished:
        found.append(list(feed.chunk()))
    return found


def read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "import-read-ahead"]


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(readahead, "BLOCK_ROWS", 2)


def test_chunks_hold_the_valid_rows_in_file_order_with_what_was_left_out():
    rows = [valid(2), Row(3, None, "score 11 is not 0-10"), valid(4), Row(5, None, None, "test"),
            valid(6), valid(7), valid(8), Row(9, None, "bad email")]
    with ReadAhead(iter(rows), 3, NOW) as feed:
        chunks = chunks_of(feed)
    assert [sum(b.rows for b in chunk) for chunk in chunks] == [3, 2]
    lines = [[line for b in chunk for line in b.data.decode().splitlines()] for chunk in chunks]
    assert [[line.split("\t")[:2] for line in chunk] for chunk in lines] == [
        [["0", "p2@x.io"], ["1", "p4@x.io"], ["2", "p6@x.io"]],   # numbered per chunk
        [["0", "p7@x.io"], ["1", "p8@x.io"]]]
    assert [r for chunk in chunks for b in chunk for r in b.rejected] == [
        (3, "score 11 is not 0-10"), (9, "bad email")]
    assert [s for chunk in chunks for b in chunk for s in b.skipped] == ["test"]
    assert chunks[-1][-1].last and not read_ahead_threads()


def test_a_file_of_whole_chunks_ends_with_an_empty_one():
    with ReadAhead(iter([valid(n) for n in range(2, 8)]), 3, NOW) as feed:
        chunks = chunks_of(feed)
    assert [sum(b.rows for b in chunk) for chunk in chunks] == [3, 3, 0]


def test_a_reading_error_is_raised_where_it_happened():
    def rows():
        yield valid(2)
        yield valid(3)
        raise ImportFileError("The file could not be read as utf-8 text.")

    with ReadAhead(rows(), 10, NOW) as feed:
        with pytest.raises(ImportFileError, match="utf-8"):
            list(feed.chunk())
        assert feed.finished
    assert not read_ahead_threads()


def test_the_thread_stops_when_the_import_fails_with_the_queue_full():
    endless = (valid(n) for n in itertools.count(2))
    with pytest.raises(RuntimeError):
        with ReadAhead(endless, 1_000, NOW) as feed:
            next(feed.chunk())
            raise RuntimeError("the database went away")
    assert not read_ahead_threads()
