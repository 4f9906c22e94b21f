"""`forum rerender` and `forum digest`: the forum's command-line jobs."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ambassador.extensions import db
from ambassador.forum.digest import send_digests
from ambassador.forum.models import Post
from ambassador.forum.services import render
from ambassador.sanitize import ALLOWLIST_VERSION

forum_cli = AppGroup("forum", help="The forum: re-render posts, send the daily digest.")
BATCH = 500


def rerender_posts(everything: bool = False) -> int:
    """Render again every post made under another allow-list (or all); commit per batch."""
    done, last_id = 0, 0
    while True:
        query = select(Post).where(Post.id > last_id).order_by(Post.id).limit(BATCH)
        if not everything:
            query = query.where(Post.html_version != ALLOWLIST_VERSION)
        posts = list(db.session.scalars(query).unique())
        if not posts:
            return done
        for post in posts:
            render(post)
        db.session.commit()
        done += len(posts)
        last_id = posts[-1].id


@forum_cli.command("rerender")
@click.option("--all", "everything", is_flag=True,
              help="Render every post, not only those made under another allow-list.")
def rerender_command(everything: bool) -> None:
    """Re-render stored post HTML after the sanitiser's allow-list changed."""
    click.echo(f"rerendered {rerender_posts(everything)} posts")


@forum_cli.command("digest")
def digest_command() -> None:
    """Queue the daily forum digest for everyone who has replies or quotes waiting."""
    sent = send_digests()
    db.session.commit()
    click.echo(f"queued {sent} digests")
