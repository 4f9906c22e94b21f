"""`invitations send`: invite every active ambassador who has no account yet."""

import click
from flask.cli import AppGroup

from ambassador.extensions import db
from ambassador.portal.invitations import send_invitations

invitations_cli = AppGroup("invitations", help="Invite active ambassadors to the portal.")


@invitations_cli.command("send")
def send_command() -> None:
    """Invite every active ambassador with no account and no open invitation; print `invited N`."""
    invited = send_invitations()
    db.session.commit()
    click.echo(f"invited {invited}")
