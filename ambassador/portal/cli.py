"""`invitations send`: invite every active ambassador who has no account yet."""

from flask.cli import AppGroup

invitations_cli = AppGroup("invitations", help="Invite active ambassadors to the portal.")
