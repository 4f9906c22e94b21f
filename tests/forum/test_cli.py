"""`forum rerender`: stored HTML follows the sanitiser's allow-list."""

from sqlalchemy import select, update

from ambassador.extensions import db
from ambassador.forum.models import Post
from ambassador.sanitize import ALLOWLIST_VERSION


def test_rerender_refreshes_posts_made_under_another_allow_list(runner, make_thread):
    thread = make_thread(replies=2, body="**bold**")
    db.session.execute(update(Post).where(Post.thread_id == thread.id, Post.is_first)
                       .values(body_html="<b onclick=x>stale</b>", html_version="old"))
    db.session.commit()
    result = runner.invoke(args=["forum", "rerender"])
    assert result.exit_code == 0 and result.output == "rerendered 1 posts\n"
    first = db.session.scalars(select(Post).where(Post.is_first)).one()
    assert first.body_html == "<p><strong>bold</strong></p>"
    assert first.html_version == ALLOWLIST_VERSION
    assert runner.invoke(args=["forum", "rerender"]).output == "rerendered 0 posts\n"
    assert runner.invoke(args=["forum", "rerender", "--all"]).output == "rerendered 3 posts\n"
