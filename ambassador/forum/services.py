"""The forum's rules: who sees and writes where, threads, replies, edits, reactions, votes.

Every function adds and flushes, raises a ForumError whose text the person reads, and
never commits. Lapsed ambassadors read and post like everyone else: the forum is a
community, not a perk (disabled accounts cannot log in at all).
"""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update

from ambassador.extensions import db
from ambassador.forum import programs_link
from ambassador.forum.models import (
    Category,
    Member,
    Notification,
    Post,
    Reaction,
    Report,
    Thread,
    Visit,
    Vote,
)
from ambassador.i18n import current_language, supported
from ambassador.sanitize import ALLOWLIST_VERSION, render_markdown
from ambassador.text import ascii_int
from ambassador.utils import NotFound, ServiceError, utcnow

MIN_TITLE, MAX_TITLE = 3, 150
MAX_BODY = 20_000  # characters of Markdown in one post
MAX_REASON = 500
LANGUAGES = ("en", "fr", "tr")
# The same person sending the same text to the same place this soon is a double submit.
DOUBLE_SUBMIT = timedelta(seconds=60)


class ForumError(ServiceError):
    """A forum rule refused the request (400)."""


class Forbidden(ForumError):
    """The person may not do this here (403)."""

    status_code = 403


def is_staff(user) -> bool:
    """Marketers and admins run the forum: they see every room and moderate."""
    return bool(getattr(user, "is_staff", False))


def visible_categories(user):
    """SQL condition on Category: the rooms this person may enter."""
    if is_staff(user):
        return Category.id.isnot(None)
    programs = programs_link.enrolled_program_ids(user)
    if not programs:
        return Category.program_id.is_(None)
    return or_(Category.program_id.is_(None), Category.program_id.in_(sorted(programs)))


def visible_threads(user):
    """SQL conditions on Thread (joined to its Category): the threads this person may read."""
    conditions = [visible_categories(user)]
    if not is_staff(user):
        conditions.append(Thread.hidden.is_(False))
    return conditions


def get_category(user, category_id: int) -> Category:
    """The category, or NotFound when it does not exist or is private to others."""
    category = db.session.scalar(
        select(Category).where(Category.id == category_id, visible_categories(user)))
    if category is None:
        raise NotFound(_("This forum category does not exist."))
    return category


def get_thread(user, thread_id: int) -> Thread:
    """The thread (with its category), or NotFound when this person may not read it."""
    thread = db.session.scalar(
        select(Thread).join(Thread.category).where(Thread.id == thread_id,
                                                   *visible_threads(user)))
    if thread is None:
        raise NotFound(_("This thread does not exist or was removed."))
    return thread


def get_post(user, post_id: int) -> Post:
    """A post of a thread this person may read, or NotFound."""
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound(_("This post does not exist."))
    get_thread(user, post.thread_id)
    return post


def may_start_thread(user, category: Category) -> bool:
    """Staff post anywhere; others everywhere but the staff-only rooms (Announcements)."""
    return is_staff(user) or not category.staff_only


def check_may_reply(user, thread: Thread) -> None:
    """Raise Forbidden when this person may not reply in this thread."""
    if not may_start_thread(user, thread.category):
        raise Forbidden(_("Only the team posts in this category."))
    if thread.locked and not is_staff(user):
        raise Forbidden(_("This thread is locked: it takes no new replies."))


def clean_title(title: str | None) -> str:
    """The title trimmed, with inner runs of spaces folded; refused when empty or too long."""
    title = " ".join((title or "").split())
    if len(title) < MIN_TITLE:
        raise ForumError(_("Give your thread a title of at least %(n)d characters.",
                           n=MIN_TITLE))
    if len(title) > MAX_TITLE:
        raise ForumError(_("A title has at most %(n)d characters.", n=MAX_TITLE))
    return title


def clean_body(body: str | None) -> str:
    """The Markdown of a post, trimmed; refused when empty or over the limit."""
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ForumError(_("Write something before posting."))
    if len(body) > MAX_BODY:
        raise ForumError(_("Your post is %(size)s characters long; the limit is %(limit)s. "
                           "Please shorten it or split it in two.",
                           size=f"{len(body):,}", limit=f"{MAX_BODY:,}"))
    return body


def post_language(user) -> str:
    """The language a post is written in (for search): the author's, else the page's."""
    chosen = supported(getattr(user, "language", None))
    customer = getattr(user, "customer", None)
    return chosen or supported(getattr(customer, "language", None)) or current_language()


def render(post: Post) -> None:
    """Store the sanitised HTML of the post's Markdown, with the allow-list it was made by."""
    post.body_html = render_markdown(post.body)
    post.html_version = ALLOWLIST_VERSION


def _new_post(user, thread: Thread, body: str, quote_of: Post | None = None,
              first: bool = False, language: str | None = None) -> Post:
    post = Post(thread_id=thread.id, author_id=user.id, body=body, is_first=first,
                language=language if language in LANGUAGES else post_language(user),
                quote_of_id=quote_of.id if quote_of is not None else None)
    render(post)
    db.session.add(post)
    db.session.flush()
    db.session.execute(update(Thread).where(Thread.id == thread.id).values(
        post_count=Thread.post_count + 1, last_post_id=post.id, last_post_at=post.created_at))
    _saw(user.id, thread.id, post.id)
    return post


def create_thread(user, category: Category, title: str, body: str,
                  language: str | None = None) -> Thread:
    """Open a thread with its first post; the same thread sent twice is made once."""
    if not may_start_thread(user, category):
        raise Forbidden(_("Only the team posts in this category."))
    title, body = clean_title(title), clean_body(body)
    recent = db.session.scalar(
        select(Thread).join(Post, Post.thread_id == Thread.id).where(
            Thread.category_id == category.id, Thread.author_id == user.id,
            Thread.title == title, Post.is_first.is_(True), Post.body == body,
            Thread.created_at >= utcnow() - DOUBLE_SUBMIT))
    if recent is not None:
        return recent
    thread = Thread(category_id=category.id, author_id=user.id, title=title,
                    idea_status="under_review" if category.is_ideas else None)
    db.session.add(thread)
    db.session.flush()
    _new_post(user, thread, body, first=True, language=language)
    db.session.refresh(thread)
    return thread


def reply(user, thread: Thread, body: str, quote_of: Post | None = None,
          language: str | None = None) -> Post:
    """Add a reply (maybe quoting a post of the same thread) and notify the others."""
    check_may_reply(user, thread)
    body = clean_body(body)
    if quote_of is not None and quote_of.thread_id != thread.id:
        quote_of = None
    recent = db.session.scalar(select(Post).where(
        Post.thread_id == thread.id, Post.author_id == user.id, Post.body == body,
        Post.created_at >= utcnow() - DOUBLE_SUBMIT))
    if recent is not None:
        return recent
    post = _new_post(user, thread, body, quote_of, language=language)
    _notify(user, thread, post, quote_of)
    return post


def _notify(user, thread: Thread, post: Post, quote_of: Post | None) -> None:
    """Queue a digest line for everyone who posted in the thread, and for the one quoted."""
    reasons = {author_id: "reply" for author_id in db.session.scalars(
        select(Post.author_id).where(Post.thread_id == thread.id, Post.deleted_at.is_(None),
                                     Post.author_id.isnot(None)).distinct())}
    if quote_of is not None and quote_of.author_id is not None:
        reasons[quote_of.author_id] = "quote"
    reasons.pop(user.id, None)
    db.session.add_all(Notification(user_id=uid, post_id=post.id, reason=reason)
                       for uid, reason in sorted(reasons.items()))
    db.session.flush()


def check_own(user, post: Post) -> None:
    """Raise Forbidden unless this person wrote the post and it is still theirs to change."""
    if post.author_id != user.id:
        raise Forbidden(_("You can only change your own posts."))
    if post.deleted_at is not None:
        raise Forbidden(_("This post was deleted."))
    if post.hidden and not is_staff(user):
        raise Forbidden(_("A moderator hid this post: it can no longer be changed."))


def edit_post(user, post: Post, body: str, title: str | None = None) -> Post:
    """Change your own post (and the thread's title from its first post); marked "edited"."""
    check_own(user, post)
    thread = db.session.get(Thread, post.thread_id)
    check_may_reply(user, thread)
    body = clean_body(body)
    if post.is_first and title is not None:
        thread.title = clean_title(title)
    if body != post.body:
        post.body = body
        render(post)
        post.edited_at = utcnow()
    db.session.flush()
    return post


def delete_post(user, post: Post) -> Post:
    """Delete your own post: its text goes, its place in the thread stays as "deleted"."""
    check_own(user, post)
    post.deleted_at = utcnow()
    post.body = post.body_html = ""
    db.session.execute(delete(Notification).where(Notification.post_id == post.id,
                                                  Notification.mailed_at.is_(None)))
    db.session.flush()
    return post


def toggle_reaction(user, post: Post, kind: str = "helpful") -> bool:
    """Mark a post helpful, or take the mark back; True when it is now marked."""
    if post.deleted_at is not None or post.hidden:
        raise ForumError(_("This post can no longer be marked."))
    if post.author_id == user.id:
        raise ForumError(_("You cannot mark your own post as helpful."))
    gone = db.session.execute(delete(Reaction).where(
        Reaction.post_id == post.id, Reaction.user_id == user.id, Reaction.kind == kind))
    if gone.rowcount:
        return False
    db.session.add(Reaction(post_id=post.id, user_id=user.id, kind=kind))
    db.session.flush()
    return True


def toggle_vote(user, thread: Thread) -> bool:
    """Vote for an idea, or take the vote back; True when the vote now counts."""
    if not thread.category.is_ideas:
        raise ForumError(_("Only ideas take votes."))
    gone = db.session.execute(delete(Vote).where(Vote.thread_id == thread.id,
                                                 Vote.user_id == user.id)).rowcount
    if not gone:
        db.session.add(Vote(thread_id=thread.id, user_id=user.id))
        db.session.flush()
    _recount_votes([thread.id])
    db.session.refresh(thread)
    return not gone


def withdraw_votes(user_id: int) -> int:
    """Take back every vote of a person whose account goes; their ideas are recounted."""
    threads = list(db.session.scalars(select(Vote.thread_id).where(Vote.user_id == user_id)))
    db.session.execute(delete(Vote).where(Vote.user_id == user_id))
    _recount_votes(threads)
    return len(threads)


def _recount_votes(thread_ids: list[int]) -> None:
    """Set each thread's vote counter to its votes (the rows are the truth, never +1/-1)."""
    if not thread_ids:
        return
    count = select(func.count()).select_from(Vote).where(Vote.thread_id == Thread.id)
    db.session.execute(update(Thread).where(Thread.id.in_(thread_ids)).values(
        vote_count=count.scalar_subquery()))


def _saw(user_id: int, thread_id: int, last_post_id: int) -> None:
    visit = db.session.get(Visit, (user_id, thread_id))
    if visit is None:
        db.session.add(Visit(user_id=user_id, thread_id=thread_id, last_post_id=last_post_id))
    elif last_post_id > visit.last_post_id:
        visit.last_post_id, visit.seen_at = last_post_id, utcnow()
    db.session.flush()


def mark_seen(user, thread: Thread, last_post_id) -> None:
    """Remember the last post of the thread this person has seen (never moving backwards)."""
    last_post_id = ascii_int(str(last_post_id) if last_post_id is not None else None)
    if last_post_id is None:
        raise ForumError(_("Which post did you see?"))
    last_post_id = min(last_post_id, thread.last_post_id or 0)
    if last_post_id > 0:
        _saw(user.id, thread.id, last_post_id)


def report_post(user, post: Post, reason: str | None) -> Report:
    """File a report on a post for the moderators; reporting the same post twice is once."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ForumError(_("Tell the moderators what is wrong with this post."))
    if len(reason) > MAX_REASON:
        raise ForumError(_("A report has at most %(n)d characters.", n=MAX_REASON))
    if post.author_id == user.id:
        raise ForumError(_("You cannot report your own post: edit or delete it instead."))
    existing = db.session.scalar(select(Report).where(Report.post_id == post.id,
                                                      Report.reporter_id == user.id))
    if existing is not None:
        return existing
    report = Report(post_id=post.id, reporter_id=user.id, reason=reason)
    db.session.add(report)
    db.session.flush()
    return report


def member(user_id: int) -> Member:
    """This person's forum settings (created with the defaults on first use)."""
    found = db.session.get(Member, user_id)
    if found is None:
        found = Member(user_id=user_id, digest=True)
        db.session.add(found)
        db.session.flush()
    return found


def digest_enabled(user_id: int) -> bool:
    """Whether this person gets the daily digest (on unless they turned it off)."""
    found = db.session.get(Member, user_id)
    return True if found is None else found.digest


def set_digest(user, enabled: bool) -> None:
    """Turn the daily digest mail on or off for this person."""
    member(user.id).digest = bool(enabled)
    db.session.flush()
