"""The forum digest: one mail a day at most, listing the replies to you and the quotes of you.

Replies and quotes wait in forum_notifications; `send_digests` (the `forum digest`
command, or the daily job) writes one mail per person through the outbox, in their
language, and marks what it listed. A person who turned the digest off gets nothing.
Two runs at once never mail the same person twice: each person is claimed with one
conditional UPDATE whose row count decides.
"""

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import or_, select, update

from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.forum.models import Member, Notification, Post, Thread
from ambassador.forum.services import member, visible_threads
from ambassador.i18n import in_language, recipient_language
from ambassador.mail.budget import claim_contact, may_contact
from ambassador.mail.unsubscribe import queue_bulk_mail
from ambassador.sanitize import plain_text
from ambassador.urls import absolute_url
from ambassador.utils import utcnow

# "At most one a day", with slack for a daily run that starts a few minutes early.
INTERVAL = timedelta(hours=23)
MAX_ITEMS = 20  # lines in one digest; the rest is "and N more"
EXCERPT = 160


def _within_contact_budget(user: User, now) -> bool:
    """Whether the contact budget lets a digest reach this person now (reads only)."""
    return may_contact(user.email, now)


def _claim(user_id: int, now):
    """Take this person's digest for this run: (True only for the one run that may send,
    the time of their previous digest)."""
    previous = member(user_id).last_digest_at
    claimed = db.session.execute(
        update(Member).where(Member.user_id == user_id, Member.digest.is_(True),
                             or_(Member.last_digest_at.is_(None),
                                 Member.last_digest_at <= now - INTERVAL))
        .values(last_digest_at=now))
    return claimed.rowcount == 1, previous


def _items(user: User) -> list[tuple[Notification, Post, Thread]]:
    query = (select(Notification, Post, Thread)
             .join(Post, Post.id == Notification.post_id)
             .join(Thread, Thread.id == Post.thread_id).join(Thread.category)
             .where(Notification.user_id == user.id, Notification.mailed_at.is_(None),
                    Post.deleted_at.is_(None), Post.hidden.is_(False),
                    *visible_threads(user))
             .order_by(Notification.id))
    return list(db.session.execute(query).unique().all())


def pending_user_ids(now) -> list[int]:
    """People with replies or quotes not yet mailed, whose last digest is a day old."""
    return list(db.session.scalars(
        select(Notification.user_id).distinct()
        .join(User, User.id == Notification.user_id)
        .outerjoin(Member, Member.user_id == Notification.user_id)
        .where(Notification.mailed_at.is_(None), User.disabled.is_(False),
               or_(Member.user_id.is_(None), Member.digest.is_(True)),
               or_(Member.last_digest_at.is_(None), Member.last_digest_at <= now - INTERVAL))
        .order_by(Notification.user_id)))


def send_digest(user: User, now) -> bool:
    """Queue this person's digest if one is due; True when a mail was queued."""
    if not _within_contact_budget(user, now):
        return False  # the notifications wait for a run the budget allows
    claimed, previous = _claim(user.id, now)
    if not claimed:
        return False
    items = _items(user)
    if items and not claim_contact(user.email, "forum_digest", now):
        db.session.execute(update(Member).where(Member.user_id == user.id)
                           .values(last_digest_at=previous))
        return False
    db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.mailed_at.is_(None),
        Notification.created_at <= now).values(mailed_at=now))
    if not items:
        db.session.execute(update(Member).where(Member.user_id == user.id)
                           .values(last_digest_at=previous))
        return False
    with in_language(recipient_language(user)) as lang:
        lines = [{
            "reason": _("%(name)s quoted you in “%(title)s”", name=_author(post),
                        title=thread.title) if note.reason == "quote" else
            _("%(name)s replied in “%(title)s”", name=_author(post), title=thread.title),
            "excerpt": plain_text(post.body, EXCERPT),
            "link": absolute_url("forum.post", post_id=post.id),
        } for note, post, thread in items[:MAX_ITEMS]]
        subject = ngettext("%(num)d new reply for you in the forum",
                           "%(num)d new replies for you in the forum", len(items))
        queue_bulk_mail(user.email, "forum_digest", subject, locale=lang,
                        name=user.display_name, lines=lines,
                        more=max(0, len(items) - MAX_ITEMS),
                        settings_link=absolute_url("forum.settings"),
                        unsubscribe_reason=_l("You receive this mail because you take part in "
                                              "our forum."))
    return True


def _author(post: Post) -> str:
    return post.author.display_name if post.author else _("Someone")


def send_digests(now=None) -> int:
    """Queue every due digest (flush, no commit); return how many mails were queued."""
    now = now or utcnow()
    sent = 0
    for user_id in pending_user_ids(now):
        user = db.session.get(User, user_id)
        if user is not None and send_digest(user, now):
            sent += 1
    return sent
