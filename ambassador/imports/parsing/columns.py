"""Which column holds which field: header aliases, the user's mapping, the score guess."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

from ambassador.imports.parsing.base import FIELDS, ImportFileError


def key(name: str) -> str:
    """A header name folded for matching: trimmed, single spaces, case- and i/ı-insensitive."""
    # Turkish dotted and dotless i fold alike, so "ZAMAN DAMGASI" matches "Zaman damgası".
    folded = " ".join(name.replace("\ufeff", "").split()).casefold()
    return folded.replace("\u0307", "").replace("ı", "i")


def _keys(*names: str) -> tuple[str, ...]:
    return tuple(key(n) for n in names)


# FIELD -> accepted header names (the template name itself always comes first).
ALIASES: dict[str, tuple[str, ...]] = {
    "email": _keys("email", "Email Address", "RecipientEmail", "Recipient Email", "E-mail",
                   "E-mail Address", "E-posta", "E-posta Adresi", "Adresse e-mail",
                   "Adresse email", "Courriel"),
    "score": _keys("score", "NPS", "Note", "Puan", "NPS Score", "Score NPS"),
    "responded_at": _keys("responded_at", "Timestamp", "Submit Date (UTC)", "RecordedDate",
                          "Recorded Date", "End Date", "EndDate", "Date", "Horodateur",
                          "Date de réponse", "Zaman damgası", "Tarih", "Yanıt Tarihi"),
    "comment": _keys("comment", "Comments", "Commentaire", "Commentaires", "Yorum",
                     "Yorumlar"),
    "name": _keys("name", "Full Name", "Nom", "Nom complet", "Ad Soyad"),
    "company": _keys("company", "Account", "Société", "Entreprise", "Şirket"),
    "external_id": _keys("external_id", "#", "ResponseId", "Response ID", "Respondent ID"),
    "touchpoint": _keys("touchpoint"),
    "contact_ref": _keys("contact_ref"),
    "language": _keys("language", "UserLanguage", "Langue", "Dil"),
}
FIRST_NAMES = _keys("RecipientFirstName", "First Name", "FirstName", "Prénom", "Ad")
LAST_NAMES = _keys("RecipientLastName", "Last Name", "LastName", "Nom", "Soyad")

# Columns never taken for the score, however 0-10 their values look.
_NOT_SCORE = frozenset(_keys("#", "id", "ResponseId", "Response ID", "Respondent ID",
                             "Collector ID", "Finished", "Progress", "Duration (in seconds)",
                             "Status", "external_id", "contact_ref"))
_ID_SUFFIX = re.compile(r"(?:[\s_\-](?:id|ID|Id)|[a-z](?:Id|ID))$")
_SCORE_WORDS = ("recommend", "recommand", "tavsiye", "likely", "probabilite", "probability",
                "nps")


def find_alias(columns: list[str], field: str) -> str | None:
    """The column for `field` by alias: the exact template name first, then the first match."""
    names = ALIASES[field]
    keys = [key(c) for c in columns]
    if names[0] in keys:
        return columns[keys.index(names[0])]
    for column, k in zip(columns, keys, strict=True):
        if k in names:
            return column
    return None


def find_column(columns: list[str], wanted: str) -> str | None:
    """The column named `wanted`, exactly or else trimmed and case-insensitively."""
    if wanted in columns:
        return wanted
    k = key(wanted)
    for column in columns:
        if key(column) == k:
            return column
    return None


def resolve_mapping(columns: list[str], overrides: dict | None
                    ) -> tuple[dict[str, str | None], tuple[str, str] | None]:
    """FIELD -> column from aliases and the user's overrides; plus (first, last) name parts."""
    mapping: dict[str, str | None] = {f: find_alias(columns, f) for f in FIELDS}
    mapping = apply_overrides(columns, mapping, overrides)
    parts = None
    if (overrides or {}).get("name") is None:
        first = next((c for c in columns if key(c) in FIRST_NAMES), None)
        last = next((c for c in columns if key(c) in LAST_NAMES), None)
        # "Prénom" + "Nom": "Nom" alone would be a name, but with "Prénom" it is the surname.
        if first and last and mapping["name"] in (None, last):
            parts, mapping["name"] = (first, last), None
    return mapping, parts


def apply_overrides(columns: list[str], mapping: dict[str, str | None],
                    overrides: dict | None) -> dict[str, str | None]:
    """`mapping` with the user's FIELD -> column choices applied ("" unmaps, None is ignored)."""
    mapping = dict(mapping)
    for f, wanted in (overrides or {}).items():
        if f not in FIELDS:
            raise ImportFileError(
                _("The mapping names an unknown field '%(field)s'; use one of %(fields)s.",
                  field=f, fields=", ".join(FIELDS)))
        if wanted is None:
            continue
        if not str(wanted).strip():
            mapping[f] = None
            continue
        column = find_column(columns, str(wanted))
        if column is None:
            raise ImportFileError(_("The mapping names a column '%(column)s' that is not in "
                                    "the file.", column=wanted))
        mapping[f] = column
    return mapping


def may_be_score(name: str) -> bool:
    """False for derived or id-like columns that the score guess must ignore."""
    k = key(name)
    if k in _NOT_SCORE or k.endswith("_nps_group"):
        return False
    return not _ID_SUFFIX.search(name.strip())


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold().replace("ı", "i"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


# Words of the "why?" question that follows the NPS question (folded: no accents, ı = i).
_WHY_WORDS = ("why", "reason", "because", "explain", "pourquoi", "raison", "parce que",
              "expliquez", "neden", "sebep", "sebeb", "nicin", "niye", "warum", "grund",
              "porque", "por que", "motivo", "perche")


def asks_why(label: str) -> bool:
    """True for a header or question that asks why (any case, accents or not)."""
    folded = _fold(label)
    return any(w in folded for w in _WHY_WORDS)


def guess_comment(columns: list[str], labels: dict[str, str], mapping: dict,
                  free_text: set[str]) -> tuple[str | None, str | None, list[str]]:
    """The comment column when none is named: (column, how, ambiguous candidates).

    The one unmapped column whose header (or question) asks why; else the one free-text
    column right after the score column. Several that ask why: no column, and them.
    """
    taken = {c for c in mapping.values() if c}
    why = [c for c in columns if c not in taken and asks_why(labels.get(c, c))]
    if len(why) == 1:
        return why[0], "asks why", []
    if why:
        return None, None, why
    score = mapping.get("score")
    if score in columns:
        after = columns.index(score) + 1
        if after < len(columns) and columns[after] in free_text and columns[after] not in taken:
            return columns[after], "after the score", []
    return None, None, []


def guess_score(candidates: list[str], labels: dict[str, str],
                mostly: list[str] | None = None) -> str:
    """The one score column among `candidates`, or ImportFileError naming them.

    `candidates` hold only 0-10 scores; `mostly` hold mainly scores and a few values out
    of range. Without a candidate, one `mostly` column worded like the NPS question is
    taken (its bad values become rejected rows); several are offered as a choice.
    """
    def is_worded(column: str) -> bool:
        return any(w in _fold(labels.get(column, column)) for w in _SCORE_WORDS)

    if not candidates:
        worded_mostly = [c for c in mostly or [] if is_worded(c)]
        if len(worded_mostly) == 1:
            return worded_mostly[0]
        raise ImportFileError(
            _("No score column found: add a column named 'score' holding whole numbers 0-10,"
              " or choose the column."), candidates=list(mostly or []))
    worded = [c for c in candidates if is_worded(c)]
    if len(worded) == 1:
        return worded[0]
    if len(candidates) == 1:
        return candidates[0]
    shown = ", ".join(f"'{c}'" for c in candidates)
    raise ImportFileError(
        _("Several columns could hold the 0-10 score (%(columns)s); choose which one is the "
          "score.", columns=shown),
        candidates=list(candidates))
