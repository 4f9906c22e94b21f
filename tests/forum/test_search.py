"""Search by words in titles and posts, on SQLite (FTS5) and PostgreSQL (full-text)."""

import pytest

from ambassador.extensions import db
from ambassador.forum import moderation, programs_link, services
from ambassador.forum.search import search, words


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _titles(user, query) -> list[str]:
    return [hit.thread.title for hit in search(user, query).hits]


@pytest.fixture
def forum(make_category, make_promoter, make_user):
    """Three threads in three languages, by authors whose customers speak them."""
    general = make_category("General")
    fr = make_promoter(language="fr")
    tr = make_promoter(language="tr")
    en = make_promoter(language="en")
    services.create_thread(fr, general, "Comment présentez-vous l'outil ?",
                           "Nous préparons un petit kit de présentation pour l'équipe.")
    services.create_thread(tr, general, "Mobil uygulama",
                           "Biz de ekip toplantısında kısa bir sunum yaptık.")
    thread = services.create_thread(en, general, "Weekly routine",
                                    "I send the exports every Monday morning.")
    services.reply(fr, thread, "Moi aussi, chaque lundi.")
    db.session.commit()
    return {"fr": fr, "tr": tr, "en": en, "staff": make_user("marketer"), "thread": thread}


def test_words_in_titles_and_posts_are_found(forum):
    reader = forum["en"]
    assert _titles(reader, "routine") == ["Weekly routine"]  # a title word
    assert _titles(reader, "Monday") == ["Weekly routine"]  # a word of the text
    assert _titles(reader, "lundi") == ["Weekly routine"]  # a reply, in French
    assert _titles(reader, "toplantısında") == ["Mobil uygulama"]
    assert _titles(reader, "kit présentation") == ["Comment présentez-vous l'outil ?"]
    assert _titles(reader, "kit Monday") == []  # every word must be there
    assert _titles(reader, "nothing-like-this") == []


def test_each_language_is_searched_with_its_own_rules(forum):
    reader = forum["en"]
    if _postgresql():  # the dictionaries find other forms of a word
        assert _titles(reader, "présentations") == ["Comment présentez-vous l'outil ?"]
        assert _titles(reader, "ekipler") == ["Mobil uygulama"]
        assert _titles(reader, "exporting") == ["Weekly routine"]
    else:  # FTS5: words by their beginning, accents folded
        assert _titles(reader, "present") == ["Comment présentez-vous l'outil ?"]
        assert _titles(reader, "ekip") == ["Mobil uygulama"]
        assert _titles(reader, "export") == ["Weekly routine"]


def test_query_syntax_is_never_an_error(forum):
    for query in ['"', "AND OR NOT", "*", "a:b", "(((", "-", "NEAR(", "'; DROP TABLE x; --",
                  "<script>", "x" * 5000, "\u0130stanbul", "  "]:
        search(forum["en"], query)  # no exception, whatever it finds
    assert words("  kit, présentation!! ") == ["kit", "présentation"]


def test_edits_deletions_and_moderation_change_what_is_found(forum):
    reader, thread = forum["en"], forum["thread"]
    first = services.get_post(reader, thread.id and search(reader, "Monday").hits[0].post.id)
    services.edit_post(forum["en"], first, "I send the reports every Friday.",
                       title="Friday routine")
    db.session.commit()
    assert _titles(reader, "Monday") == []
    assert _titles(reader, "Friday") == ["Friday routine"]
    assert _titles(reader, "routine") == ["Friday routine"]
    moderation.set_post_hidden(forum["staff"], first, True)
    db.session.commit()
    assert _titles(reader, "Friday") == []
    reply = search(reader, "lundi").hits[0].post
    services.delete_post(forum["fr"], reply)
    db.session.commit()
    assert _titles(reader, "lundi") == []


def test_hidden_threads_and_private_rooms_stay_private(forum, make_category, monkeypatch):
    room = make_category("Beta", program_id=3)
    services.create_thread(forum["staff"], room, "Secret beta", "The zeppelin feature.")
    moderation.set_thread_flag(forum["staff"], forum["thread"], "hidden", True)
    db.session.commit()
    assert _titles(forum["en"], "zeppelin") == [] and _titles(forum["en"], "Monday") == []
    assert _titles(forum["staff"], "zeppelin") == ["Secret beta"]
    assert _titles(forum["staff"], "Monday") == ["Weekly routine"]
    monkeypatch.setattr(programs_link, "enrolled_program_ids", lambda user: {3})
    assert _titles(forum["en"], "zeppelin") == ["Secret beta"]


def test_results_come_a_page_at_a_time(make_category, make_promoter):
    author, general = make_promoter(), make_category()
    thread = services.create_thread(author, general, "Many", "needle 0")
    for i in range(1, 25):
        services.reply(author, thread, f"needle {i}")
    db.session.commit()
    first, second = search(author, "needle", 1), search(author, "needle", 2)
    assert len(first.hits) == 20 and first.has_next
    assert len(second.hits) == 5 and not second.has_next
