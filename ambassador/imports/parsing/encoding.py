"""Opening the source and deciding its text encoding (BOM, UTF-8, else detection)."""

from __future__ import annotations

import codecs
import io
import os
import re
from contextlib import contextmanager
from pathlib import Path

from charset_normalizer import from_bytes
from flask_babel import gettext as _

from ambassador.i18n import N_
from ambassador.imports.parsing.base import ImportFileError
from ambassador.imports.parsing.values import shown

# Signatures of files people upload by mistake, with the sentence to show.
_MAGIC = (  # messages marked with N_ and translated when raised
    (b"PK\x03\x04", N_("This looks like an Excel/zip file; save it as CSV.")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
     N_("This looks like an old Excel (.xls) file; save it as CSV.")),
    (b"\x89PNG", N_("This is a PNG image, not a CSV file.")),
    (b"\xff\xd8\xff", N_("This is a JPEG image, not a CSV file.")),
    (b"GIF8", N_("This is a GIF image, not a CSV file.")),
    (b"%PDF", N_("This is a PDF document, not a CSV file.")),
    (b"\x1f\x8b", N_("This is a compressed (gzip) file; unpack it and upload the CSV.")),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Single-byte codecs for Latin-script text: when the detector lands on one of these we
# choose between the two Windows code pages Excel actually writes here (France, Turkey).
_LATIN_FAMILY = frozenset({
    "cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "latin_1", "iso8859_1",
    "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13",
    "iso8859_14", "iso8859_15", "iso8859_16", "mac_roman", "mac_latin2", "mac_iceland",
    "mac_turkish", "cp437", "cp775", "cp850", "cp852", "cp857", "cp858", "cp860", "cp861",
    "cp863", "cp865", "hp_roman8", "ascii",
})
# Bytes that are Turkish-only letters in cp1254 (Ğ İ Ş ğ ı ş) and Icelandic in cp1252.
_TURKISH_BYTES = frozenset(b"\xd0\xdd\xde\xf0\xfd\xfe")
_HIGH_RUNS = re.compile(rb"[\x80-\xff]+")


def check_codec(name: str) -> str:
    """The canonical Python codec name for a user-given encoding, or ImportFileError."""
    try:
        info = codecs.lookup(name.strip())
    except (LookupError, AttributeError, TypeError, ValueError):  # ValueError: a NUL in it
        raise ImportFileError(_("Unknown encoding %(name)s.", name=shown(str(name)))) from None
    if not _is_text_codec(info.name):
        raise ImportFileError(_("Unknown encoding %(name)s.", name=shown(str(name))))
    return info.name


def _is_text_codec(name: str) -> bool:
    try:
        "a".encode(name)
        return True
    except Exception:  # noqa: BLE001 - bytes-to-bytes codecs (base64, zlib) land here
        return False


@contextmanager
def open_binary(source):
    """A readable, seekable binary file object for bytes or a path (closed afterwards)."""
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(source)
    elif isinstance(source, str | os.PathLike):
        try:
            fh = Path(source).open("rb")
        except OSError as exc:
            raise ImportFileError(_("The file could not be opened (%(reason)s).",
                                    reason=exc.strerror)) from None
        with fh:
            yield fh
    else:
        raise TypeError("source must be bytes or a path")


def check_binary(sample: bytes) -> None:
    """Raise ImportFileError for an empty file or one that is plainly not text."""
    if not sample.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise ImportFileError(_("The file is empty."))
    for magic, message in _MAGIC:
        if sample.startswith(magic):
            raise ImportFileError(_(message))


def decide_encoding(sample: bytes, complete: bool, given: str | None) -> tuple[str, str]:
    """(codec, source) from a BOM, valid UTF-8, or detection; `given` overrides."""
    if given:
        return check_codec(given), "given"
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return codec, "bom"
    if b"\x00" in sample:
        codec = _bomless_utf16(sample)
        if codec:
            return codec, "detected"
        raise ImportFileError(_("This file contains binary data, not CSV text."))
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8", "utf-8"
    except UnicodeDecodeError:
        pass
    return detect_legacy(sample), "detected"


def _bomless_utf16(sample: bytes) -> str | None:
    """utf-16-le/-be when NUL bytes sit in every other position of ASCII-ish text."""
    head = sample[:4096]
    half = len(head) // 2
    if half < 2:
        return None
    even = head[0::2].count(0) / half
    odd = head[1::2].count(0) / half
    if odd > 0.7 and even < 0.05:
        return "utf-16-le"
    if even > 0.7 and odd < 0.05:
        return "utf-16-be"
    return None


def non_ascii_lines(data: bytes, limit: int = 256 * 1024) -> bytes:
    """The lines of `data` holding non-ASCII bytes, joined, at most ~`limit` bytes."""
    out, size = [], 0
    for line in data.split(b"\n"):
        if not line.isascii():
            out.append(line)
            size += len(line) + 1
            if size >= limit:
                break
    return b"\n".join(out)


def scan_non_ascii(fh, limit: int = 256 * 1024) -> bytes:
    """Like non_ascii_lines over a whole binary file, read line by line (flat memory)."""
    fh.seek(0)
    out, size = [], 0
    for line in iter(lambda: fh.readline(64 * 1024), b""):
        if not line.isascii():
            out.append(line[:4096])
            size += len(out[-1])
            if size >= limit:
                break
    return b"".join(out)


def detect_legacy(sample: bytes) -> str:
    """The most likely legacy (non-UTF-8) code page for `sample`, Windows pages first."""
    focus = non_ascii_lines(sample) or sample
    best = None
    try:
        results = from_bytes(focus)
        best = results.best()
    except Exception:  # noqa: BLE001 - the detector must never break an import
        results = []
    name = _normal(best.encoding) if best else None
    if name is None or name in _LATIN_FAMILY or name.startswith("utf") or _latin_like(focus):
        return _windows_choice(focus)
    for candidate in (name, *(_normal(r.encoding) for r in results)):
        if _decodes(focus, candidate):
            return candidate
    return _windows_choice(focus)


def _latin_like(data: bytes) -> bool:
    """True when non-ASCII bytes come alone or in short runs, as accents do in Latin text."""
    # Cyrillic, Greek or CJK text has most of its non-ASCII bytes in long runs (whole words).
    runs = [len(run) for run in _HIGH_RUNS.findall(data)]
    total = sum(runs)
    return total > 0 and sum(n for n in runs if n >= 4) * 10 < total * 3


def _windows_choice(data: bytes) -> str:
    """cp1254 when its Turkish-only letters occur, else cp1252 (latin-1 as last resort)."""
    order = ("cp1254", "cp1252") if _TURKISH_BYTES.intersection(data) else ("cp1252", "cp1254")
    for codec in order:
        if _decodes(data, codec):
            return codec
    return "latin_1"


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def _normal(name: str) -> str:
    try:
        return codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return name
