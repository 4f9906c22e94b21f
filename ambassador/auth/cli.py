"""`users create` and `tokens create` commands."""

import sys

import click
from flask.cli import AppGroup

from ambassador.audit import record_action
from ambassador.auth import services, tokens
from ambassador.auth.models import ROLES
from ambassador.extensions import db
from ambassador.text import CLEAN_TEXT
from ambassador.utils import ServiceError

users_cli = AppGroup("users", help="Manage people who log in.")
tokens_cli = AppGroup("tokens", help="Manage API tokens for survey tools.")


@users_cli.command("create")
@click.argument("email", type=CLEAN_TEXT)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default="", type=CLEAN_TEXT, help="The person's name.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
def create_user_command(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a user; without --password-stdin print a one-time set-password link."""
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = services.create_user(email, role, name, password=password)
        link = None if password_stdin else services.issue_password_link(user, "setup")
        record_action(None, "user.created", user, after={"email": user.email, "role": role})
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {user.role} {user.email}")
    if link:
        days = services.SETUP_LINK_HOURS // 24
        click.echo(f"set-password link (valid {days} days, works once): {link}")


@tokens_cli.command("create")
@click.argument("name", type=CLEAN_TEXT)
def create_token_command(name: str) -> None:
    """Create an API token and print it once, alone on the last line."""
    try:
        token, secret = tokens.create_api_token(name)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"token “{token.name}” created; it is shown only now:")
    click.echo(secret)
