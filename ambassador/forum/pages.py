"""What the forum pages show, read with a fixed number of queries whatever the page holds.

A thread page is: the thread (with its category), one page of posts with their authors,
the helpful counts of those posts, the reader's visit and, for an idea, the reader's
vote: five queries for 1 post or 25, for 1 author or 25.
"""

from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from ambassador.extensions import db
from ambassador.forum.models import Category, Post, Reaction, Thread, Visit, Vote
from ambassador.forum.services import is_staff, visible_categories, visible_threads

POSTS_PER_PAGE = 25
THREADS_PER_PAGE = 30


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` items fill (at least one)."""
    return max(1, -(-total // per_page))


@dataclass
class ThreadPage:
    """One page of a thread, ready for the template."""

    thread: Thread
    posts: list[Post]
    page: int
    pages: int
    helpful: dict[int, int] = field(default_factory=dict)
    mine: set[int] = field(default_factory=set)
    last_seen: int = 0
    voted: bool = False

    @property
    def first_new_id(self) -> int | None:
        """The first post on this page the reader has not seen before (None: nothing new)."""
        if not self.last_seen:
            return None
        return next((p.id for p in self.posts if p.id > self.last_seen), None)


def thread_page(user, thread: Thread, page: int = 1) -> ThreadPage:
    """Posts `page` of a thread (clamped to the pages there are) with what the reader did."""
    pages = page_count(thread.post_count, POSTS_PER_PAGE)
    page = min(max(page, 1), pages)
    posts = list(db.session.scalars(
        select(Post).where(Post.thread_id == thread.id).order_by(Post.id)
        .offset((page - 1) * POSTS_PER_PAGE).limit(POSTS_PER_PAGE)).unique())
    result = ThreadPage(thread=thread, posts=posts, page=page, pages=pages)
    ids = [post.id for post in posts]
    if ids:
        rows = db.session.execute(
            select(Reaction.post_id, func.count(),
                   func.sum(case((Reaction.user_id == user.id, 1), else_=0)))
            .where(Reaction.post_id.in_(ids)).group_by(Reaction.post_id))
        for post_id, count, by_me in rows:
            result.helpful[post_id] = count
            if by_me:
                result.mine.add(post_id)
    visit = db.session.get(Visit, (user.id, thread.id))
    result.last_seen = visit.last_post_id if visit else 0
    if thread.category.is_ideas:
        result.voted = db.session.get(Vote, (thread.id, user.id)) is not None
    return result


def first_new_page(user, thread: Thread) -> tuple[int, int | None]:
    """(page, post id) of the first post this person has not seen, or the last page."""
    visit = db.session.get(Visit, (user.id, thread.id))
    pages = page_count(thread.post_count, POSTS_PER_PAGE)
    if visit is None:
        return 1, None
    new_id = db.session.scalar(select(func.min(Post.id)).where(
        Post.thread_id == thread.id, Post.id > visit.last_post_id))
    if new_id is None:
        return pages, None
    before = db.session.scalar(select(func.count()).select_from(Post).where(
        Post.thread_id == thread.id, Post.id < new_id)) or 0
    return before // POSTS_PER_PAGE + 1, new_id


@dataclass
class CategoryRow:
    """A category on the forum's front page with its thread count and latest activity."""

    category: Category
    threads: int
    last_post_at: object


def categories(user) -> list[CategoryRow]:
    """Every category this person may enter, in order, with counts (two queries)."""
    found = list(db.session.scalars(select(Category).where(visible_categories(user))
                                    .order_by(Category.position, Category.id)))
    conditions = [] if is_staff(user) else [Thread.hidden.is_(False)]
    stats = {category_id: (count, last) for category_id, count, last in db.session.execute(
        select(Thread.category_id, func.count(), func.max(Thread.last_post_at))
        .where(Thread.category_id.in_([c.id for c in found]), *conditions)
        .group_by(Thread.category_id))} if found else {}
    return [CategoryRow(c, *stats.get(c.id, (0, None))) for c in found]


@dataclass
class ThreadRow:
    """A thread in a category's list: is anything new for the reader, did they vote."""

    thread: Thread
    new: bool
    voted: bool = False


@dataclass
class CategoryPage:
    """One page of a category's threads."""

    category: Category
    rows: list[ThreadRow]
    page: int
    has_next: bool


def category_page(user, category: Category, page: int = 1) -> CategoryPage:
    """Threads of a category, pinned first then latest (ideas: most votes first)."""
    page = max(page, 1)
    query = (select(Thread, Visit.last_post_id)
             .outerjoin(Visit, (Visit.thread_id == Thread.id) & (Visit.user_id == user.id))
             .where(Thread.category_id == category.id))
    if not is_staff(user):
        query = query.where(Thread.hidden.is_(False))
    if category.is_ideas:
        query = query.order_by(Thread.vote_count.desc(), Thread.id.desc())
    else:
        query = query.order_by(Thread.pinned.desc(), Thread.last_post_at.desc(),
                               Thread.id.desc())
    rows = db.session.execute(query.offset((page - 1) * THREADS_PER_PAGE)
                              .limit(THREADS_PER_PAGE + 1)).unique().all()
    has_next = len(rows) > THREADS_PER_PAGE
    rows = rows[:THREADS_PER_PAGE]
    voted = set()
    if category.is_ideas and rows:
        voted = set(db.session.scalars(select(Vote.thread_id).where(
            Vote.user_id == user.id, Vote.thread_id.in_([t.id for t, _ in rows]))))
    return CategoryPage(category, [
        ThreadRow(thread, new=seen is not None and (thread.last_post_id or 0) > seen,
                  voted=thread.id in voted) for thread, seen in rows], page, has_next)


def latest_on_home(user, limit: int = 3) -> list[Thread]:
    """The newest threads of the categories shown on the portal home (Announcements)."""
    return list(db.session.scalars(
        select(Thread).join(Thread.category)
        .where(Category.on_home.is_(True), *visible_threads(user))
        .order_by(Thread.created_at.desc(), Thread.id.desc()).limit(limit)).unique())


def first_posts(threads: list[Thread]) -> dict[int, Post]:
    """thread id -> its opening post, for excerpts (one query)."""
    if not threads:
        return {}
    return {post.thread_id: post for post in db.session.scalars(
        select(Post).where(Post.thread_id.in_([t.id for t in threads]),
                           Post.is_first.is_(True))).unique()}
