"""Plain-ASCII forms of names, for file names and generated addresses."""

import re
import unicodedata

# Letters that Unicode does not decompose into an ASCII letter plus accents.
_NO_DECOMPOSITION = str.maketrans({
    "ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
})


def ascii_fold(text: str) -> str:
    """The text with accents removed and other letters spelt in ASCII (Şükrü → Sukru)."""
    plain = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION))
    return plain.encode("ascii", "ignore").decode()


def slug(text: str, separator: str = "-", limit: int | None = None) -> str:
    """Lower-case ASCII words joined by `separator` (Lumière Voyages → lumiere-voyages)."""
    words = re.split(r"[^a-z0-9]+", ascii_fold(text).lower())
    return separator.join(w for w in words if w)[:limit]
