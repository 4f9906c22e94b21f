"""Forum factories: categories, threads with posts, written through the services."""

import pytest

from ambassador.extensions import db
from ambassador.forum import moderation, services


@pytest.fixture
def make_category(make_user):
    """Factory: make_category(name="General", **fields) -> Category (made by a marketer)."""
    staff = []

    def make(name="General", **fields):
        if not staff:
            staff.append(make_user("marketer", email="forum-staff@example.com"))
        category = moderation.save_category(staff[0], None, name, **fields)
        db.session.commit()
        return category

    return make


@pytest.fixture
def make_thread(make_category, make_promoter):
    """Factory: make_thread(author=None, category=None, title=..., body=..., replies=0)."""

    def make(author=None, category=None, title="How do you use the exports?",
             body="I export every Monday. **You?**", replies=0, repliers=None):
        author = author or make_promoter()
        category = category or make_category()
        thread = services.create_thread(author, category, title, body)
        for i in range(replies):
            who = repliers[i % len(repliers)] if repliers else author
            services.reply(who, thread, f"Reply number {i + 1}")
        db.session.commit()
        return thread

    return make
