"""The forum pages: what people see, what they may do, and what bad input gets."""

import re
from contextlib import contextmanager
from html.parser import HTMLParser

import pytest
from sqlalchemy import event, func, select

from ambassador.extensions import db
from ambassador.forum import services
from ambassador.forum.models import Post, Thread, Visit
from ambassador.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from tests.forum.xss_payloads import PAYLOADS


@contextmanager
def count_queries():
    """Count the SQL statements sent to the database inside the block."""
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _html(response) -> str:
    return response.get_data(as_text=True)


def _first_post(thread) -> Post:
    return db.session.scalars(select(Post).where(Post.thread_id == thread.id,
                                                 Post.is_first.is_(True))).one()


def test_the_forum_lists_categories_and_threads(client, login, make_thread, make_category):
    make_category("Announcements", description="News from the team", staff_only=True)
    thread = make_thread(title="Exports on Mondays")
    login(thread.author)
    html = _html(client.get("/forum"))
    assert "Announcements" in html and "News from the team" in html and "General" in html
    html = _html(client.get(f"/forum/c/{thread.category_id}"))
    assert "Exports on Mondays" in html and "New thread" in html
    html = _html(client.get(f"/forum/t/{thread.id}"))
    assert "<strong>You?</strong>" in html and "Join the conversation" in html


def test_posting_a_thread_and_a_reply_through_the_forms(client, login, make_promoter,
                                                       make_category):
    category = make_category()
    login(make_promoter())
    response = client.post(f"/forum/c/{category.id}/new",
                           data={"title": "Hello all", "body": "First *post*"})
    assert response.status_code == 303
    thread = db.session.scalars(select(Thread)).one()
    response = client.post(f"/forum/t/{thread.id}/reply", data={"body": "A reply"})
    assert response.status_code == 303 and "/forum/p/" in response.headers["Location"]
    html = _html(client.get(response.headers["Location"], follow_redirects=True))
    assert "<em>post</em>" in html and "A reply" in html


@pytest.mark.parametrize("data, message", [
    ({"title": "   ", "body": "Text"}, "title of at least 3"),
    ({"title": "Fine title", "body": ""}, "Write something"),
    ({"title": "Fine title", "body": "x" * 100_000}, "the limit is 20,000"),
])
def test_bad_threads_get_a_400_and_a_message(client, login, make_promoter, make_category,
                                             data, message):
    category = make_category()
    login(make_promoter())
    response = client.post(f"/forum/c/{category.id}/new", data=data)
    assert response.status_code == 400 and message in _html(response)
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 0


def test_a_double_submitted_reply_is_posted_once(client, login, make_thread):
    thread = make_thread()
    login(thread.author)
    for _ in range(2):
        assert client.post(f"/forum/t/{thread.id}/reply",
                           data={"body": "Only once"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).post_count == 2


def test_posting_in_a_locked_thread_is_a_403_with_a_message(client, login, make_thread,
                                                            make_promoter):
    thread = make_thread()
    thread.locked = True
    db.session.commit()
    login(make_promoter())
    response = client.post(f"/forum/t/{thread.id}/reply", data={"body": "Let me in"})
    assert response.status_code == 403
    assert "This thread is locked" in _html(response)
    page = _html(client.get(f"/forum/t/{thread.id}"))
    assert "Join the conversation" not in page
    assert "This thread is locked: it takes no new replies." in page


def test_a_thread_in_a_team_category_says_why_there_is_no_reply_box(
        client, login, make_category, make_user, make_promoter):
    news = make_category("Announcements", staff_only=True)
    thread = services.create_thread(make_user("marketer"), news, "Version 3 is out", "Yes!")
    db.session.commit()
    login(make_promoter())
    page = _html(client.get(f"/forum/t/{thread.id}"))
    assert "Join the conversation" not in page
    assert "Only the team posts in this category." in page


def test_editing_someone_elses_post_by_its_address_is_a_403(client, login, make_thread,
                                                             make_promoter):
    post = _first_post(make_thread())
    login(make_promoter())
    assert client.get(f"/forum/p/{post.id}/edit").status_code == 403
    response = client.post(f"/forum/p/{post.id}/edit", data={"body": "Hijacked"})
    assert response.status_code == 403 and "your own posts" in _html(response)
    assert client.post(f"/forum/p/{post.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, post.id).body != "Hijacked"


def test_an_edited_post_says_so_and_a_deleted_one_keeps_its_place(client, login, make_thread):
    thread = make_thread(replies=1)
    login(thread.author)
    post = _first_post(thread)
    client.post(f"/forum/p/{post.id}/edit", data={"title": thread.title, "body": "Better"})
    html = _html(client.get(f"/forum/t/{thread.id}"))
    assert "Better" in html and ">edited</span>" in html
    client.post(f"/forum/p/{post.id}/delete")
    html = _html(client.get(f"/forum/t/{thread.id}"))
    assert "This post was deleted by its author." in html and "Better" not in html


def test_quoting_prefills_the_reply_and_links_the_quote(client, login, make_thread,
                                                        make_promoter):
    thread = make_thread(body="Line one\nLine two")
    post = _first_post(thread)
    login(make_promoter())
    html = _html(client.get(f"/forum/t/{thread.id}?quote={post.id}"))
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    assert "&gt; Line one\n&gt; Line two" in textarea
    assert f'value="{post.id}"' in html
    client.post(f"/forum/t/{thread.id}/reply",
                data={"body": "> Line one\n\nAgreed", "quote_of": str(post.id)})
    reply = db.session.scalars(select(Post).order_by(Post.id.desc())).first()
    assert reply.quote_of_id == post.id and "<blockquote>" in reply.body_html


def test_pages_hold_25_posts(client, login, make_thread):
    thread = make_thread(replies=30)
    login(thread.author)
    first = _html(client.get(f"/forum/t/{thread.id}"))
    assert first.count('class="card forum-post') == 25 and "Page 1 of 2" in first
    second = _html(client.get(f"/forum/t/{thread.id}?page=2"))
    assert second.count('class="card forum-post') == 6 and "Reply number 30" in second
    assert client.get(f"/forum/t/{thread.id}?page=99").status_code == 200  # the last page


def test_a_thread_page_costs_the_same_queries_for_1_or_25_authors(client, login,
                                                                   make_thread, make_promoter):
    small = make_thread(replies=2)
    people = [make_promoter() for _ in range(25)]
    big = make_thread(replies=40, repliers=people)
    for post in db.session.scalars(select(Post).where(Post.thread_id == big.id)).unique():
        services.toggle_reaction(small.author, post) if post.author_id != small.author_id \
            else None
    db.session.commit()
    login(small.author)
    counts = []
    for url in (f"/forum/t/{small.id}", f"/forum/t/{big.id}"):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 6, counts  # login, thread, posts with authors, helpful, visit


def test_the_category_page_costs_the_same_queries_for_2_or_30_threads(client, login,
                                                                       make_thread,
                                                                       make_category,
                                                                       make_promoter):
    few, many = make_category("Few"), make_category("Many")
    for _ in range(2):
        make_thread(category=few)
    for _ in range(30):
        make_thread(category=many, author=make_promoter())
    login(make_promoter())
    counts = []
    for url in (f"/forum/c/{few.id}", f"/forum/c/{many.id}"):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[1] <= 6, counts


def test_a_get_never_marks_a_thread_seen_the_page_posts_it(client, login, make_thread,
                                                           make_promoter):
    thread = make_thread()
    reader = login(make_promoter())
    client.get(f"/forum/t/{thread.id}")
    assert db.session.get(Visit, (reader.id, thread.id)) is None
    html = _html(client.get(f"/forum/t/{thread.id}"))
    assert f'data-seen-url="/forum/t/{thread.id}/seen"' in html
    assert client.post(f"/forum/t/{thread.id}/seen",
                       data={"last_post_id": str(thread.last_post_id)}).status_code == 204
    assert db.session.get(Visit, (reader.id, thread.id)).last_post_id == thread.last_post_id
    assert client.post(f"/forum/t/{thread.id}/seen",
                       data={"last_post_id": "１２"}).status_code == 400


def test_the_marker_shows_what_is_new(client, login, make_thread, make_promoter):
    thread = make_thread()
    reader = make_promoter()
    services.mark_seen(reader, thread, thread.last_post_id)
    services.reply(thread.author, thread, "Fresh news")
    db.session.commit()
    login(reader)
    html = _html(client.get(f"/forum/t/{thread.id}"))
    assert html.index("New since your last visit") < html.index("Fresh news")
    assert 'class="badge badge-on"' in _html(client.get(f"/forum/c/{thread.category_id}"))
    response = client.get(f"/forum/t/{thread.id}/new")
    assert response.status_code == 302 and "#post-" in response.headers["Location"]


def test_votes_and_helpful_from_the_buttons(client, login, make_thread, make_category,
                                            make_promoter):
    idea = make_thread(category=make_category("Ideas", kind="ideas"), title="Dark mode")
    login(make_promoter())
    assert client.post(f"/forum/t/{idea.id}/vote").status_code == 303
    assert "Take my vote back" in _html(client.get(f"/forum/t/{idea.id}"))
    assert client.post(f"/forum/p/{_first_post(idea).id}/helpful").status_code == 303
    assert "Helpful · 1" in _html(client.get(f"/forum/t/{idea.id}"))


def test_reporting_reaches_the_moderators(client, login, make_thread, make_promoter,
                                          make_user):
    post = _first_post(make_thread())
    login(make_promoter())
    assert client.post(f"/forum/p/{post.id}/report", data={"reason": ""}).status_code == 400
    assert client.post(f"/forum/p/{post.id}/report",
                       data={"reason": "Looks like spam"}).status_code == 303
    client.post("/logout")
    login(make_user("marketer"))
    html = _html(client.get("/forum/moderation/"))
    assert "Looks like spam" in html and "Hide the post" in html


def test_moderators_pin_lock_and_hide_from_the_thread_page(client, login, make_thread,
                                                           make_user, make_promoter):
    thread = make_thread()
    login(make_user("marketer"))
    for flag in ("pinned", "locked", "hidden"):
        response = client.post(f"/forum/moderation/threads/{thread.id}/flag",
                               data={"flag": flag, "value": "1"})
        assert response.status_code == 303
    assert client.post(f"/forum/moderation/threads/{thread.id}/flag",
                       data={"flag": "deleted", "value": "1"}).status_code == 400
    db.session.expire_all()
    found = db.session.get(Thread, thread.id)
    assert found.pinned and found.locked and found.hidden
    client.post("/logout")
    login(make_promoter())
    assert client.get(f"/forum/t/{thread.id}").status_code == 404


def test_a_hidden_post_shows_a_placeholder_to_promoters(client, login, make_thread, make_user):
    thread = make_thread(replies=1, body="Rude words here")
    login(make_user("marketer"))
    client.post(f"/forum/moderation/posts/{_first_post(thread).id}/hide", data={"value": "1"})
    client.post("/logout")
    login(thread.author)
    html = _html(client.get(f"/forum/t/{thread.id}"))
    assert "hidden by a moderator" in html and "Rude words" not in html


def test_search_page(client, login, make_thread):
    thread = make_thread(title="Keyboard shortcuts", body="Press the question mark")
    login(thread.author)
    html = _html(client.get("/forum/search?q=shortcuts"))
    assert "Keyboard shortcuts" in html
    assert "Nothing found" in _html(client.get("/forum/search?q=zeppelin"))


def test_the_portal_home_shows_the_latest_announcements(client, login, make_category,
                                                        make_user, make_promoter):
    announcements = make_category("Announcements", staff_only=True, on_home=True)
    services.create_thread(make_user("marketer"), announcements, "Version 3 is out", "Yes!")
    db.session.commit()
    login(make_promoter())
    html = _html(client.get("/portal"))
    assert "News from the team" in html and "Version 3 is out" in html


def test_the_digest_can_be_turned_off(client, login, make_promoter):
    user = login(make_promoter())
    assert "checked" in _html(client.get("/forum/settings"))
    client.post("/forum/settings", data={"digest": ""})
    assert not services.digest_enabled(user.id)


class _Markup(HTMLParser):
    """Every tag and attribute of some HTML, as a browser would parse it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _assert_harmless(html: str, payload: str) -> None:
    parser = _Markup()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, (payload, tag)
        for name, value in attrs.items():
            assert name in ALLOWED_ATTRIBUTES.get(tag, []), (payload, tag, name)
            if name in ("href", "src"):
                scheme = re.sub(r"[\s\x00-\x1f]", "", value or "").lower().split(":", 1)
                assert len(scheme) == 1 or scheme[0] in ("http", "https", "mailto"), \
                    (payload, value)
        if tag == "a":
            assert attrs.get("rel") == "nofollow noopener ugc", payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_xss_payload_is_harmless(make_thread, make_promoter, payload):
    thread = make_thread(body=payload)
    _assert_harmless(_first_post(thread).body_html, payload)
    reply = services.reply(make_promoter(), thread, f"Quoting: {payload}")
    _assert_harmless(reply.body_html, payload)


def test_a_thread_of_payloads_renders_without_any_script(client, login, make_thread):
    thread = make_thread(title="<script>alert(1)</script>", body=PAYLOADS[0])
    for payload in PAYLOADS[1:]:
        services.reply(thread.author, thread, payload)
    db.session.commit()
    login(thread.author)
    for page in (1, 2, 3, 4):
        html = _html(client.get(f"/forum/t/{thread.id}?page={page}"))
        assert re.findall(r"<script[^>]*>", re.sub(r"\?v=[0-9a-f]{12}", "", html)) == [
            '<script src="/static/js/app.js" defer>', '<script src="/static/js/forum.js" defer>']
        assert not re.search(r"<[^>]*\son\w+\s*=", html.split("<main", 1)[1])
        parser = _Markup()
        parser.feed(html)
        for _tag, attrs in parser.tags:
            for name in ("href", "src", "action", "data"):
                value = re.sub(r"[\s\x00-\x1f]", "", attrs.get(name) or "").lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:")), value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _html(client.get(f"/forum/t/{thread.id}"))
