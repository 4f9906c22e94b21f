"""The main pages, served in French and Turkish, show no English sentence from the catalogue."""

import html
import re
from datetime import timedelta

import pytest
from babel.messages.pofile import read_po

from ambassador.extensions import db
from ambassador.i18n import TRANSLATIONS
from ambassador.portal import invitations
from ambassador.utils import utcnow
from tests.conftest import PASSWORD

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|<[^>]+>")
# Scripts, styles and <code> (column names, commands) are not prose in any language.
TAG = re.compile(r"<(script|style|code)\b.*?</\1>|<[^>]+>", re.S)
ATTRIBUTE = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"')


def english_phrases(language: str) -> list[str]:
    """The English pieces of every translated message that reads differently in `language`.

    A single word is left out when the language itself uses it ("Import", "Comment" in
    French): only what cannot be the translation counts.
    """
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    own_words = set()
    for message in catalogue:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            own_words.update(re.findall(r"\w+", text or ""))
    phrases = set()
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if msgid in strings:
                continue  # the same word in both languages (NPS, a language's own name)
            for piece in PLACEHOLDER.split(msgid):
                piece = piece.strip(" ,.:;()·—-–")
                words = [w for w in piece.split() if re.search(r"[A-Za-z]{2}", w)]
                if len(words) >= 2 or (len(words) == 1 == len(piece.split()) and len(piece) >= 5
                                       and piece.isalpha() and piece not in own_words):
                    phrases.add(piece)
    return sorted(phrases)


def readable_text(page: str) -> str:
    """What a reader sees or hears: the text between tags and the readable attributes."""
    attributes = " | ".join(ATTRIBUTE.findall(page))
    text = TAG.sub(" | ", page)
    return html.unescape(" ".join((text + " | " + attributes).split()))


def left_in_english(page: str, phrases: list[str]) -> list[str]:
    text = readable_text(page)
    return [p for p in phrases if re.search(rf"(?<![\w@.]){re.escape(p)}(?![\w@.])", text)]


@pytest.fixture
def site(make_user, make_promoter, make_response):
    """Data enough for every main page to show its full content."""
    now = utcnow()
    for i, score in enumerate([10, 9, 9, 8, 7, 6, 3, 10, 10, 2]):
        make_response(score, email=f"p{i}@example.com", company="Acme" if i % 2 else "Globex",
                      comment="Très bien" if i % 3 else "Çok iyi", responded_at=now)
        make_response(min(score + 1, 10), email=f"p{i}@example.com",
                      responded_at=now - timedelta(days=100))
    promoter = make_promoter(email="helene@example.fr", name="Hélène Dupré",
                             company="Acme", comment="Super")
    make_response(10, email="ipek@example.com.tr", name="İpek Güneş")
    invitations.send_invitations()
    db.session.commit()
    token = invitations._insert_if_eligible(
        make_response(9, email="ali@example.com.tr", name="Ali Veli").customer_id, utcnow())
    db.session.commit()
    return {"marketer": make_user("admin"), "promoter": promoter, "token": token}


PUBLIC = ["/login", "/password/forgot", "/nowhere"]
PROMOTER = ["/portal", "/account", "/portal/testimonials", "/portal/testimonials/new"]
STAFF = ["/dashboard", "/dashboard/accounts", "/import/", "/admin/users", "/admin/tokens",
         "/dashboard/testimonials", "/dashboard/testimonials/candidates"]


@pytest.mark.parametrize("language", ["fr", "tr"])
def test_main_pages_leave_no_english_sentence(client, site, language):
    phrases = english_phrases(language)
    client.set_cookie("language", language)
    leftovers = {}

    def check(path, expected=(200,)):
        response = client.get(path)
        assert response.status_code in expected, path
        page = response.get_data(as_text=True)
        assert f'<html lang="{language}">' in page, path
        found = left_in_english(page, phrases)
        if found:
            leftovers[path] = found

    for path in PUBLIC:
        check(path, (200, 404))
    check(f"/welcome/{site['token']}")
    client.post("/login", data={"email": site["promoter"].email, "password": PASSWORD})
    for path in PROMOTER:
        check(path)
    client.post("/logout")
    client.post("/login", data={"email": site["marketer"].email, "password": PASSWORD})
    for path in STAFF:
        check(path)
    assert not leftovers, f"English left in {language} pages: {leftovers}"


def test_the_check_finds_english_when_it_is_there():
    phrases = english_phrases("fr")
    page = "<p>Bienvenue</p><p title='x'>Your account</p><a title=\"The team\">x</a>"
    assert left_in_english(page, phrases) == ["The team", "Your account", "account"]
