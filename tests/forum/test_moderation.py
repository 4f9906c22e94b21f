"""Marketers moderate: categories, pin, lock, move, hide, idea status, reports; all audited."""

import pytest
from sqlalchemy import select

from ambassador.audit.models import AuditEntry
from ambassador.extensions import db
from ambassador.forum import moderation, pages, services
from ambassador.forum.models import Category, Post, Report


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_promoters_cannot_moderate(make_thread, make_promoter):
    thread = make_thread()
    with pytest.raises(services.Forbidden):
        moderation.set_thread_flag(make_promoter(), thread, "pinned", True)
    with pytest.raises(services.Forbidden):
        moderation.save_category(make_promoter(), None, "Mine")


def test_every_moderation_action_is_in_the_audit_trail(make_thread, make_category,
                                                        make_user, make_promoter):
    marketer = make_user("marketer")
    thread = make_thread()
    other = make_category("Elsewhere")
    post = db.session.scalars(select(Post).where(Post.thread_id == thread.id)).first()
    report = services.report_post(make_promoter(), post, "Rude")
    before = len(_actions())
    moderation.set_thread_flag(marketer, thread, "pinned", True)
    moderation.set_thread_flag(marketer, thread, "locked", True)
    moderation.set_thread_flag(marketer, thread, "hidden", True)
    moderation.set_thread_flag(marketer, thread, "hidden", False)
    moderation.move_thread(marketer, thread, other)
    moderation.set_post_hidden(marketer, post, False)
    moderation.resolve_report(marketer, report.id, "hidden")
    assert _actions()[before:] == [
        "forum.thread_pinned", "forum.thread_locked", "forum.thread_hidden",
        "forum.thread_unhidden", "forum.thread_moved", "forum.post_unhidden",
        "forum.post_hidden", "forum.report_resolved"]
    moved = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "forum.thread_moved")).one()
    assert moved.actor_id == marketer.id and moved.target_id == str(thread.id)
    assert moved.after["category"] == "Elsewhere"
    assert thread.pinned and thread.locked and not thread.hidden and post.hidden


def test_pinned_threads_come_first(make_thread, make_category, make_user, make_promoter):
    category = make_category()
    old = make_thread(category=category, title="Old but important")
    make_thread(category=category, title="Newer chatter")
    moderation.set_thread_flag(make_user("marketer"), old, "pinned", True)
    rows = pages.category_page(make_promoter(), category).rows
    assert [row.thread.title for row in rows] == ["Old but important", "Newer chatter"]


def test_hiding_the_post_resolves_every_report_on_it(make_thread, make_user, make_promoter):
    thread = make_thread()
    post = db.session.scalars(select(Post).where(Post.thread_id == thread.id)).first()
    first = services.report_post(make_promoter(), post, "Spam")
    services.report_post(make_promoter(), post, "Spam, really")
    assert moderation.count_open_reports() == 2
    moderation.resolve_report(make_user("marketer"), first.id, "hidden")
    assert moderation.count_open_reports() == 0
    assert {r.resolution for r in db.session.scalars(select(Report))} == {"hidden"}


def test_dismissing_closes_one_report_and_leaves_the_post(make_thread, make_user,
                                                         make_promoter):
    thread = make_thread()
    post = db.session.scalars(select(Post).where(Post.thread_id == thread.id)).first()
    report = services.report_post(make_promoter(), post, "I disagree")
    moderation.resolve_report(make_user("marketer"), report.id, "dismissed")
    assert not post.hidden and moderation.open_reports() == []


def test_idea_status_is_for_ideas_only(make_thread, make_category, make_user):
    marketer = make_user("marketer")
    with pytest.raises(services.ForumError, match="Only ideas"):
        moderation.set_idea_status(marketer, make_thread(), "planned")
    idea = make_thread(category=make_category("Ideas", kind="ideas"))
    with pytest.raises(services.ForumError):
        moderation.set_idea_status(marketer, idea, "someday")
    moderation.set_idea_status(marketer, idea, "shipped")
    assert idea.idea_status == "shipped"


def test_categories_are_ordered_and_validated(make_user):
    marketer = make_user("marketer")
    with pytest.raises(services.ForumError, match="needs a name"):
        moderation.save_category(marketer, None, "   ")
    with pytest.raises(services.ForumError, match="discussion or ideas"):
        moderation.save_category(marketer, None, "X", kind="poll")
    a = moderation.save_category(marketer, None, "A")
    b = moderation.save_category(marketer, None, "B")
    moderation.move_category(marketer, b, -1)
    names = list(db.session.scalars(select(Category.name).order_by(Category.position)))
    assert names == ["B", "A"]
    moderation.save_category(marketer, a, "A renamed", "Now described")
    assert "forum.category_changed" in _actions() and a.description == "Now described"
