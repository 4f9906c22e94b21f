"""The fr and tr catalogues hold a real translation of every message the code and templates use."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from ambassador.i18n import TRANSLATIONS

ROOT = Path(__file__).resolve().parent.parent
# The same keywords as `make translations-extract`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
HOW_TO_FIX = (
    "Run `make translations-update`, then translate every entry with an empty msgstr "
    "(or a '#, fuzzy' flag: check it, then remove the flag) in "
    "ambassador/translations/fr/LC_MESSAGES/messages.po (French, 'vous') and "
    "ambassador/translations/tr/LC_MESSAGES/messages.po (Turkish, formal 'siz'). "
    "Keep every %(name)s placeholder and HTML tag of the msgid."
)


def used_messages() -> dict[str, str]:
    """Every msgid the code and templates use, with one place it is used."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    # Like `--ignore-dirs '.*'`: templates/_macros and _partials are read too.
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS,
            directory_filter=lambda path: not Path(path).name.startswith(".")):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def catalogue(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


@pytest.fixture(scope="module")
def messages():
    return used_messages()


def test_the_code_uses_translatable_messages(messages):
    assert len(messages) > 40  # the extraction really ran over code and templates


@pytest.mark.parametrize("language", ["fr", "tr"])
def test_every_message_is_translated_and_not_fuzzy(messages, language):
    po = catalogue(language)
    problems = []
    for msgid, where in sorted(messages.items()):
        entry = po.get(msgid)
        strings = entry.string if entry is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or not all(strings):
            problems.append(f"missing: {msgid!r} ({where})")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r} ({where})")
    assert not problems, (
        f"{len(problems)} message(s) not translated in {language}:\n  "
        + "\n  ".join(problems[:40]) + "\n" + HOW_TO_FIX)


@pytest.mark.parametrize("language", ["fr", "tr"])
def test_translations_keep_the_placeholders_and_tags(language):
    po = catalogue(language)
    problems = []
    for message in po:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = [_markers(msgid) for msgid in ids]  # a plural form may drop its %(num)d
        for text in strings:
            if _markers(text) not in wanted:
                problems.append(f"{ids[0]!r} → {text!r}")
    assert not problems, (
        f"{language}: these translations change the placeholders or HTML tags of "
        "their msgid:\n  " + "\n  ".join(problems))


def _markers(text: str) -> list[str]:
    """The %(name)s placeholders and HTML tags a translation must keep (in any order)."""
    return sorted(re.findall(r"%\(\w+\)[sd]|%%|</?\w+[^>]*>", text))


@pytest.mark.parametrize("language", ["fr", "tr"])
def test_catalogue_has_no_obsolete_or_untranslatable_header(language):
    po = catalogue(language)
    assert not po.obsolete, f"remove the obsolete entries: {HOW_TO_FIX}"
    assert po.plural_forms, "the catalogue header needs its Plural-Forms line"
