"""Reading a file ahead of the database: parse, validate and encode rows in a thread.

On PostgreSQL a thread reads the file, checks each row and encodes the valid ones as
COPY text, while the importer's connection streams them to the database and while the
database writes the previous batch (`nps.bulk.WRITE_BATCH`; the thread holds the
interpreter only while it parses, the connection waits without it). Handing over
blocks of encoded rows rather than one row at a time also keeps the COPY cheap.

Each block carries, in file order, the rejections and skips seen since the previous
one. At most AHEAD_ROWS rows are held ahead, so memory stays flat however large the
file.
"""

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from ambassador.imports.parsing import Row
from ambassador.nps.bulk import copy_line

BLOCK_ROWS = 2_000        # valid rows per block handed over
AHEAD_ROWS = 60_000       # valid rows read ahead at most: a batch and a little (10 MB)
_WAIT = 0.2               # seconds between looks at the stop flag while the queue is full


@dataclass
class Block:
    """Consecutive records of the file: valid rows as COPY text, and what was left out."""

    data: bytes = b""
    rows: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    ends_chunk: bool = False  # the chunk's last block
    last: bool = False  # the file's last block
    error: BaseException | None = None  # reading failed here: raise it in the caller


class ReadAhead:
    """Iterate chunks of Blocks read from `rows` by a background thread.

    `chunk_rows` valid rows make a chunk; `now` stamps undated rows. Use as a context
    manager: leaving it stops the thread, whatever happened.
    """

    def __init__(self, rows: Iterator[Row], chunk_rows: int, now):
        self._rows, self._chunk_rows, self._now = rows, chunk_rows, now
        self._queue: queue.Queue[Block] = queue.Queue(
            maxsize=min(chunk_rows, AHEAD_ROWS) // BLOCK_ROWS + 2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="import-read-ahead",
                                        daemon=True)
        self.finished = False

    def __enter__(self) -> "ReadAhead":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        while self._thread.is_alive():  # unblock a put waiting for room
            try:
                self._queue.get(timeout=_WAIT)
            except queue.Empty:
                pass
        self._thread.join()

    def chunk(self) -> Iterator[Block]:
        """The next chunk's blocks, up to its last one (`finished` after the file's)."""
        while not self.finished:
            block = self._queue.get()
            self.finished = block.last
            if block.error is not None:
                raise block.error
            yield block
            if block.ends_chunk:
                return

    def _put(self, block: Block) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(block, timeout=_WAIT)
                return True
            except queue.Full:
                pass
        return False

    def _read(self) -> None:
        lines: list[str] = []
        block, in_chunk = Block(), 0
        try:
            for row in self._rows:
                if row.skipped:
                    block.skipped.append(row.skipped)
                    continue
                if row.error:
                    block.rejected.append((row.line, row.error))
                    continue
                lines.append(copy_line(in_chunk, row.values, self._now))
                in_chunk += 1
                if len(lines) == BLOCK_ROWS or in_chunk == self._chunk_rows:
                    block.data, block.rows = "".join(lines).encode(), len(lines)
                    block.ends_chunk = in_chunk == self._chunk_rows
                    if not self._put(block):
                        return
                    lines, block = [], Block()
                    if in_chunk == self._chunk_rows:
                        in_chunk = 0
            block.data, block.rows = "".join(lines).encode(), len(lines)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
            block = Block(rejected=block.rejected, skipped=block.skipped, error=exc)
        block.ends_chunk = block.last = True
        self._put(block)
