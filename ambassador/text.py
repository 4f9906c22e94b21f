"""The one rule for text a person sends: no control or invisible format characters.

A NUL byte cannot be stored by PostgreSQL, terminal escapes and right-to-left overrides
disguise what a value says, and none of them is ever typed on purpose. The same rule
serves every entry point:

- `guard_request` (installed on the app) refuses them in the URL path, the query string
  and every form field of every request with a clear 400, before any view runs;
- `Form`, the base class of our WTForms forms, adds field-level messages (single-line
  fields also refuse line breaks);
- `CLEAN_TEXT` is the click parameter type for command-line arguments and options;
- `check_text` for everything else (services, parsers).

Multi-line fields (comments, posts) keep tabs and line breaks. Joiners (ZWJ in emoji,
ZWNJ in Persian words) stay allowed in free text; email addresses are stricter
(`utils.normalise_email` refuses every format character).
"""

from __future__ import annotations

import unicodedata

import click
from flask import abort, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import StopValidation

# Format characters that reorder or hide text (bidi embeddings, overrides and isolates,
# invisible separators, the BOM as a zero-width no-break space).
_HIDING = frozenset("\u061c\u200b\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2060\u2061"
                    "\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\ufff9\ufffa\ufffb")
_MULTILINE_OK = frozenset("\t\n\r")
_SINGLE_LINE_OK = frozenset("\t")


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char in "\n\r":
        return f"contains a line break ({code}); write it on one line"
    kind = "a control" if unicodedata.category(char) in ("Cc", "Cs") else "an invisible formatting"
    return f"contains {kind} character ({code}), which cannot be stored; remove it"


def _refused_char(value: str | None, multiline: bool = False) -> str | None:
    """The first character of `value` that cannot be accepted, or None."""
    if not value or value.isprintable():  # the common case, in C: no Cc, Cf, Cs, Zl, Zp…
        return None
    allowed = _MULTILINE_OK if multiline else _SINGLE_LINE_OK
    for char in value:
        if char in allowed or char.isprintable() or char == " ":
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Zl", "Zp") or char in _HIDING:
            return char
    return None


def text_problem(value: str | None, multiline: bool = False) -> str | None:
    """Why `value` cannot be accepted as text a person typed (English), or None when fine."""
    char = _refused_char(value, multiline)
    return _describe(char) if char else None


def _for_reader(char: str, where: str = "") -> str:
    """The refusal as a sentence in the reader's language (`where`: the field, if known)."""
    code = f"U+{ord(char):04X}"
    if char in "\n\r":
        if where:
            return _("%(where)s contains a line break (%(code)s): write it on one line.",
                     where=where, code=code)
        return _("This contains a line break (%(code)s): write it on one line.", code=code)
    if unicodedata.category(char) in ("Cc", "Cs"):
        if where:
            return _("%(where)s contains a control character (%(code)s), which cannot be "
                     "stored: remove it.", where=where, code=code)
        return _("This contains a control character (%(code)s), which cannot be stored: "
                 "remove it.", code=code)
    if where:
        return _("%(where)s contains an invisible formatting character (%(code)s), which "
                 "cannot be stored: remove it.", where=where, code=code)
    return _("This contains an invisible formatting character (%(code)s), which cannot be "
             "stored: remove it.", code=code)


def check_text(value: str | None, label: str, multiline: bool = False) -> str | None:
    """Return `value`, or raise ValueError("<label> contains …") when it cannot be accepted."""
    problem = text_problem(value, multiline)
    if problem:
        raise ValueError(f"{label} {problem}")
    return value


DB_INT_MAX = 2**31 - 1


def ascii_int(value: str | None, low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """The integer written in ASCII digits in `value`, within [low, high]; else None.

    Every number read from a URL or a form goes through this: int() would also take
    "２０２６" or "٢٠٢٦", and a huge value would overflow a database integer.
    """
    text = (value or "").strip()
    digits = text[1:] if text[:1] == "-" else text
    if not digits or len(digits) > 12 or not (digits.isascii() and digits.isdigit()):
        return None
    number = int(text)
    return number if low <= number <= high else None


def guard_request() -> None:
    """before_request: a 400 for control characters in the path, query string or form."""
    char = _refused_char(request.path)
    if char:
        abort(400, _for_reader(char, _("The address")))
    for source, multiline in ((request.args, False), (request.form, True)):
        for key, values in source.lists():
            for value in (key, *values):
                char = _refused_char(value, multiline=multiline)
                if char:
                    field = key[:40] if not text_problem(key) else _("a field")
                    where = (_("The query (%(field)s)", field=field) if source is request.args
                             else _("The form (%(field)s)", field=field))
                    abort(400, _for_reader(char, where))


def install(app) -> None:
    """Refuse control characters in every request to `app`."""
    app.before_request(guard_request)


class CleanText:
    """A WTForms validator: refuse control and hiding characters (and line breaks)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        char = _refused_char(field.data if isinstance(field.data, str) else None,
                             self.multiline)
        if char:
            raise StopValidation(_for_reader(char))


class Form(FlaskForm):
    """Our forms' base: every text field refuses control characters, one-line ones line breaks."""

    def validate(self, extra_validators=None) -> bool:
        """Validate as FlaskForm does, with CleanText first on every text field."""
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for field in self:
            if isinstance(field, StringField):
                check = CleanText(multiline=isinstance(field, TextAreaField))
                extra.setdefault(field.name, []).insert(0, check)
        return super().validate(extra_validators=extra)


class _CleanTextType(click.ParamType):
    """click: a text argument or option without control or hiding characters."""

    name = "text"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        problem = text_problem(value)
        if problem:
            self.fail(problem, param, ctx)
        return value


CLEAN_TEXT = _CleanTextType()
