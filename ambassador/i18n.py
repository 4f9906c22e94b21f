"""Languages: which one a page is served in, mail in the recipient's, and locale formats.

A page's language, in order: the logged-in user's own choice, else their customer
record's `language` (from the import), else the language picked in the footer
(a cookie, for anonymous visitors too), else a page's hint (a one-time link's page,
live or dead, uses the language of the person it was sent to), else the browser's
Accept-Language, else English.
The JSON API and the command line always speak English.

The catalogues are read from the `.po` files and compiled in memory once per process
(`CatalogueDomain`): no compiled `.mo` file is committed or needed, so a fresh clone,
`pip install -e .` and gunicorn all serve every language with no extra step.
"""

import io
from contextlib import contextmanager
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as babel_decimal
from babel.numbers import format_percent as babel_percent
from babel.support import NullTranslations, Translations
from flask import g, has_request_context, request
from flask_babel import Domain, force_locale, get_locale, refresh
from flask_babel import format_date as babel_date
from flask_babel import format_datetime as babel_datetime
from flask_login import current_user

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# Each language named in itself: the switcher shows these, untranslated.
LANGUAGES = {"en": "English", "fr": "Français", "tr": "Türkçe"}
DEFAULT = "en"
COOKIE = "language"
COOKIE_MAX_AGE = 365 * 24 * 3600
# What import files write in their language column, beyond language tags.
_NAMES = {"english": "en", "anglais": "en", "ingilizce": "en", "i̇ngilizce": "en",
          "french": "fr", "français": "fr", "francais": "fr", "fransızca": "fr",
          "turkish": "tr", "turc": "tr", "türkçe": "tr", "turkce": "tr"}


def supported(value: str | None) -> str | None:
    """The supported language code a tag or name stands for ("fr-FR", "French" → "fr")."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if text in _NAMES:
        return _NAMES[text]
    code = text.replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def _page_hint() -> str | None:
    return g.get("language_hint") if has_request_context() else None


def select_locale() -> str:
    """Flask-Babel's locale selector: the language this request is served in."""
    if not has_request_context() or request.path.startswith("/api/"):
        return DEFAULT
    if current_user and current_user.is_authenticated:
        own = supported(getattr(current_user, "language", None))
        if own:
            return own
        customer = getattr(current_user, "customer", None)
        from_customer = supported(customer.language) if customer is not None else None
        if from_customer:
            return from_customer
    chosen = supported(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    hint = _page_hint()
    if hint:
        return hint
    for tag, _quality in request.accept_languages:  # best first; "en-GB,fr" is English
        code = supported(tag)
        if code:
            return code
    return DEFAULT


def prefer(language: str | None) -> None:
    """Serve this page in `language` unless the visitor chose one (a page's own hint)."""
    code = supported(language)
    if code and has_request_context():
        g.language_hint = code
        refresh()


def current_language() -> str:
    """The code of the language being served ("en" outside any request)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def person_language(user=None, customer=None) -> str | None:
    """A person's own language: their account's choice, else their customer record's, else None."""
    own = supported(getattr(user, "language", None)) if user is not None else None
    if own:
        return own
    if customer is None and user is not None:
        customer = getattr(user, "customer", None)
    return supported(customer.language) if customer is not None else None


def recipient_language(user=None, customer=None) -> str:
    """The language mail to a person is written in: their own choice, else their customer's."""
    return person_language(user, customer) or DEFAULT


def N_(text: str) -> str:  # noqa: N802  (the gettext convention)
    """Mark a text that is stored in English and translated where it is shown: `_(stored)`."""
    return text


@contextmanager
def in_language(language: str | None):
    """Translate and format everything inside in `language`; yields its code."""
    code = supported(language) or DEFAULT
    with force_locale(code):
        yield code


# -- catalogues -------------------------------------------------------------------------

def load_catalogue(language: str, directory: Path = TRANSLATIONS):
    """The translations of one language, compiled in memory from its messages.po."""
    po_path = directory / language / "LC_MESSAGES" / "messages.po"
    if not po_path.is_file():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)  # a fuzzy entry falls back to English
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


class CatalogueDomain(Domain):
    """Flask-Babel's domain, loading each language's .po once per process."""

    def get_translations(self):
        locale = get_locale()
        if locale is None:
            return NullTranslations()
        key = str(locale)
        translations = self.cache.get(key)
        if translations is None:
            translations = self.cache[key] = load_catalogue(locale.language)
        return translations


# -- formats ----------------------------------------------------------------------------

def _locale() -> Locale:
    return get_locale() or Locale.parse(DEFAULT)


def format_date(value, width: str = "medium") -> str:
    """A date for the reader: "24 nov. 2026", "24 Kas 2026", "Nov 24, 2026"."""
    return babel_date(value, width) if value else ""


def format_datetime(value, width: str = "medium") -> str:
    """A UTC date and time for the reader (the UI states times in UTC), minutes shown."""
    if not value:
        return ""
    date = babel_date(value, width)
    time = babel_datetime(value, "HH:mm")
    return f"{date} {time}"


def format_number(value, decimals: int = 0) -> str:
    """A count or a measure with the locale's separators ("1 234", "12,5")."""
    if value is None:
        return ""
    if round(value, decimals) == 0:
        value = 0  # never "-0.0"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_decimal(value, pattern, locale=_locale())


def format_signed(value, decimals: int = 1) -> str:
    """An NPS or a change in points, with its sign: "+31,4", "−2,0", "0,0"."""
    if value is None:
        return ""
    shown = format_number(value, decimals)
    if round(value, decimals) > 0:
        return "+" + shown
    return shown


def format_percent(value, decimals: int = 1) -> str:
    """A share given in percent (62.1) as the locale writes it: "62,1 %", "%62,1", "62.1%"."""
    if value is None:
        return ""
    pattern = _locale().percent_formats[None].pattern
    if decimals:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * decimals, 1)
    return babel_percent(value / 100, pattern, locale=_locale())


# -- casing -----------------------------------------------------------------------------

_TURKIC = {"tr", "az"}
_UPPER_TR = str.maketrans({"i": "İ", "ı": "I"})
_LOWER_TR = str.maketrans({"I": "ı", "İ": "i"})


def upper(text, language: str | None = None) -> str:
    """Upper-case for display in the served language: Turkish i → İ and ı → I."""
    text = str(text or "")
    if (language or current_language()) in _TURKIC:
        text = text.translate(_UPPER_TR)
    return text.upper()


def lower(text, language: str | None = None) -> str:
    """Lower-case for display in the served language: Turkish I → ı and İ → i."""
    text = str(text or "")
    if (language or current_language()) in _TURKIC:
        text = text.translate(_LOWER_TR)
    return text.lower()


def capitalize(text, language: str | None = None) -> str:
    """First letter upper-case, the rest lower-case, with the language's casing."""
    text = str(text or "")
    return upper(text[:1], language) + lower(text[1:], language)


def title(text, language: str | None = None) -> str:
    """Every word capitalised, with the language's casing."""
    return " ".join(capitalize(word, language) for word in str(text or "").split(" "))


def register(app) -> None:
    """Read the catalogues from .po and give templates the formats and casing."""
    app.extensions["babel"].instance.domain_instance = CatalogueDomain()
    env = app.jinja_env
    env.filters.update(
        date=format_date, datetime=format_datetime, number=format_number,
        signed=format_signed, percent=format_percent,
        upper=upper, lower=lower, capitalize=capitalize, title=title,
    )
    env.globals.update(languages=LANGUAGES, current_language=current_language)
