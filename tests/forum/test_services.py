"""The forum's rules, without a browser: who writes where, edits, reactions, votes, visits."""

import pytest
from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.forum import pages, programs_link, services
from ambassador.forum.models import Notification, Post, Reaction, Thread, Vote
from ambassador.utils import NotFound
from tests.conftest import utc


def _posts(thread) -> list[Post]:
    return list(db.session.scalars(select(Post).where(Post.thread_id == thread.id)
                                   .order_by(Post.id)).unique())


def test_a_thread_starts_with_its_first_post_rendered_and_counted(make_thread):
    thread = make_thread(title="  Exports   every Monday  ", body="Do you **export**?")
    assert thread.title == "Exports every Monday"
    [post] = _posts(thread)
    assert post.is_first and post.body_html == "<p>Do you <strong>export</strong>?</p>"
    assert post.html_version and thread.post_count == 1 and thread.last_post_id == post.id


@pytest.mark.parametrize("title", ["", "   ", "ab", " \t "])
def test_a_title_of_only_spaces_or_too_short_is_refused(make_category, make_promoter, title):
    with pytest.raises(services.ForumError, match="title of at least 3"):
        services.create_thread(make_promoter(), make_category(), title, "Hello")


@pytest.mark.parametrize("body", ["", "    ", "\n\n"])
def test_an_empty_post_is_refused(make_category, make_promoter, body):
    with pytest.raises(services.ForumError, match="Write something"):
        services.create_thread(make_promoter(), make_category(), "Hello", body)


def test_a_100_kb_post_is_refused_with_the_limit(make_thread, make_promoter):
    thread = make_thread()
    with pytest.raises(services.ForumError) as refused:
        services.reply(make_promoter(), thread, "x" * 100_000)
    assert "100,000 characters" in str(refused.value) and "20,000" in str(refused.value)
    services.reply(make_promoter(), thread, "x" * services.MAX_BODY)  # the limit itself is fine


def test_a_double_submit_makes_one_thread_and_one_reply(make_category, make_promoter):
    author, category = make_promoter(), make_category()
    first = services.create_thread(author, category, "Same", "Same text")
    assert services.create_thread(author, category, "Same", "Same text").id == first.id
    reply = services.reply(author, first, "A reply")
    assert services.reply(author, first, "A reply").id == reply.id
    assert db.session.get(Thread, first.id).post_count == 2


def test_a_lapsed_ambassador_reads_and_posts(make_thread, make_promoter, make_response):
    lapsed = make_promoter(score=10, email="lapsed@example.com",
                           responded_at=utc(2026, 1, 5))
    make_response(score=6, email="lapsed@example.com", responded_at=utc(2026, 2, 5))
    assert lapsed.customer.status == "lapsed"
    thread = make_thread()
    services.get_thread(lapsed, thread.id)
    services.reply(lapsed, thread, "Still here, still reading.")
    services.create_thread(lapsed, thread.category, "A question", "From a lapsed member")


def test_only_the_team_posts_in_a_staff_only_category(make_category, make_promoter,
                                                       make_user):
    announcements = make_category("Announcements", staff_only=True, on_home=True)
    with pytest.raises(services.Forbidden, match="Only the team"):
        services.create_thread(make_promoter(), announcements, "Hi", "Me too")
    marketer = make_user("marketer")
    thread = services.create_thread(marketer, announcements, "Release 2.0", "It is out.")
    with pytest.raises(services.Forbidden):
        services.reply(make_promoter(), thread, "Congrats")
    assert [t.id for t in pages.latest_on_home(make_promoter())] == [thread.id]


def test_a_locked_thread_takes_no_reply_but_from_the_team(make_thread, make_promoter,
                                                          make_user):
    thread = make_thread()
    thread.locked = True
    db.session.commit()
    with pytest.raises(services.Forbidden, match="locked") as refused:
        services.reply(make_promoter(), thread, "Let me in")
    assert refused.value.status_code == 403
    services.reply(make_user("marketer"), thread, "Closing this one, thanks all.")


def test_editing_marks_the_post_edited_and_only_the_author_may(make_thread, make_promoter):
    author = make_promoter()
    thread = make_thread(author=author)
    post = _posts(thread)[0]
    with pytest.raises(services.Forbidden, match="your own posts"):
        services.edit_post(make_promoter(), post, "Hijacked")
    services.edit_post(author, post, "Better *words*", title="A better title")
    assert post.edited_at is not None and post.body_html == "<p>Better <em>words</em></p>"
    assert db.session.get(Thread, thread.id).title == "A better title"


def test_deleting_keeps_the_place_and_drops_the_text(make_thread, make_promoter):
    author = make_promoter()
    thread = make_thread(author=author, replies=2)
    post = _posts(thread)[1]
    with pytest.raises(services.Forbidden):
        services.delete_post(make_promoter(), post)
    services.delete_post(author, post)
    assert post.deleted_at is not None and post.body == "" and post.body_html == ""
    assert len(_posts(thread)) == 3
    with pytest.raises(services.Forbidden, match="deleted"):
        services.edit_post(author, post, "Back")


def test_one_helpful_per_person_and_never_on_your_own(make_thread, make_promoter):
    author, reader = make_promoter(), make_promoter()
    post = _posts(make_thread(author=author))[0]
    with pytest.raises(services.ForumError, match="your own post"):
        services.toggle_reaction(author, post)
    assert services.toggle_reaction(reader, post) is True
    assert services.toggle_reaction(reader, post) is False
    assert services.toggle_reaction(reader, post) is True
    assert db.session.scalar(select(func.count()).select_from(Reaction)) == 1


def test_ideas_take_one_vote_each_and_sort_by_votes(make_category, make_promoter):
    ideas = make_category("Ideas", kind="ideas")
    people = [make_promoter() for _ in range(3)]
    quiet = services.create_thread(people[0], ideas, "Quiet idea", "Meh")
    loved = services.create_thread(people[0], ideas, "Loved idea", "Yes")
    assert loved.idea_status == "under_review"
    for person in people:
        services.toggle_vote(person, loved)
    services.toggle_vote(people[0], quiet)
    assert services.toggle_vote(people[0], quiet) is False  # a second vote takes it back
    services.toggle_vote(people[1], quiet)
    assert (loved.vote_count, quiet.vote_count) == (3, 1)
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 4
    listing = pages.category_page(people[1], ideas)
    assert [row.thread.title for row in listing.rows] == ["Loved idea", "Quiet idea"]
    assert all(row.voted for row in listing.rows)


def test_votes_only_for_ideas(make_thread, make_promoter):
    with pytest.raises(services.ForumError, match="Only ideas"):
        services.toggle_vote(make_promoter(), make_thread())


def test_new_since_your_last_visit(make_thread, make_promoter):
    author, reader = make_promoter(), make_promoter()
    thread = make_thread(author=author)
    services.mark_seen(reader, thread, thread.last_post_id)
    services.mark_seen(reader, thread, 1)  # never backwards
    seen = thread.last_post_id
    later = services.reply(author, thread, "Something new")
    db.session.commit()
    view = pages.thread_page(reader, thread)
    assert view.last_seen == seen and view.first_new_id == later.id
    assert pages.category_page(reader, thread.category).rows[0].new is True
    assert pages.first_new_page(reader, thread) == (1, later.id)
    services.mark_seen(reader, thread, 10**9)  # capped at the thread's last post
    assert pages.thread_page(reader, thread).first_new_id is None
    assert pages.category_page(reader, thread.category).rows[0].new is False


def test_replies_and_quotes_wait_for_the_digest(make_thread, make_promoter):
    starter, other, replier = make_promoter(), make_promoter(), make_promoter()
    thread = make_thread(author=starter)
    first = services.reply(other, thread, "I agree")
    services.reply(replier, thread, "> I agree\n\nMe too", quote_of=first)
    reasons = dict(db.session.execute(select(Notification.user_id, Notification.reason)
                                      .order_by(Notification.id)).all())
    assert reasons == {starter.id: "reply", other.id: "quote"}  # never the replier


def test_reports_are_one_per_person_and_need_a_reason(make_thread, make_promoter):
    author, reader = make_promoter(), make_promoter()
    post = _posts(make_thread(author=author))[0]
    with pytest.raises(services.ForumError, match="what is wrong"):
        services.report_post(reader, post, "   ")
    with pytest.raises(services.ForumError, match="your own post"):
        services.report_post(author, post, "Oops")
    report = services.report_post(reader, post, "Spam")
    assert services.report_post(reader, post, "Spam again").id == report.id


def test_a_program_room_is_for_its_enrollees_and_the_team(make_category, make_promoter,
                                                          make_user, monkeypatch):
    enrolled, outsider = make_promoter(), make_promoter()
    room = make_category("Beta testers", program_id=7)
    make_category("General")
    thread = services.create_thread(make_user("marketer"), room, "Welcome, testers", "Hi")
    monkeypatch.setattr(programs_link, "enrolled_program_ids",
                        lambda user: {7} if user.id == enrolled.id else set())
    assert [row.category.name for row in pages.categories(outsider)] == ["General"]
    assert [row.category.name for row in pages.categories(enrolled)] == [
        "Beta testers", "General"]
    with pytest.raises(NotFound):
        services.get_thread(outsider, thread.id)
    services.reply(enrolled, services.get_thread(enrolled, thread.id), "Thanks!")
    assert len(pages.categories(make_user("marketer"))) == 2


def test_hidden_threads_are_only_for_the_team(make_thread, make_promoter, make_user):
    thread = make_thread()
    thread.hidden = True
    db.session.commit()
    with pytest.raises(NotFound):
        services.get_thread(make_promoter(), thread.id)
    assert services.get_thread(make_user("marketer"), thread.id).id == thread.id


def test_joining_a_program_opens_its_private_room(make_category, make_promoter, make_user):
    from ambassador.programs.enrollment import join
    from ambassador.programs.services import ProgramFields, create_program

    program = create_program(ProgramFields(title="Beta of the new app", kind="early_access",
                                           status="open", seats=1))
    room = make_category("Beta room", program_id=program.id)
    first, second = make_promoter(), make_promoter()
    assert [row.category.id for row in pages.categories(first)] == []
    join(program.id, first)
    join(program.id, second, waitlist=True)  # the one seat is taken: waiting list
    db.session.commit()
    assert [row.category.id for row in pages.categories(first)] == [room.id]
    assert [row.category.id for row in pages.categories(second)] == []
