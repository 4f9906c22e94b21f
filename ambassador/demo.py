"""`demo load`: a believable demo in an empty database, with the logins printed."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ambassador.auth import services as accounts
from ambassador.auth.models import User
from ambassador.extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying Ambassador out.")

DEMO_PASSWORD = "ambassador-demo"
DEMO_USERS = [
    ("admin@example.com", "admin", "Ada Admin"),
    ("marketer@example.com", "marketer", "Margaux Lefèvre"),
]


def database_is_empty() -> bool:
    """True when nobody has an account yet."""
    return db.session.scalar(select(func.count()).select_from(User)) == 0


def load_demo() -> list[tuple[str, str]]:
    """Create the demo data; return (email, role) of every login created."""
    logins = []
    for email, role, name in DEMO_USERS:
        accounts.create_user(email, role, name, password=DEMO_PASSWORD)
        logins.append((email, role))
    return logins


@demo_cli.command("load")
def load_command() -> None:
    """Fill an empty database with demo data and print the logins."""
    if not database_is_empty():
        click.echo("The database already has data: demo load changed nothing.")
        return
    logins = load_demo()
    db.session.commit()
    click.echo("Demo data loaded. Log in at http://127.0.0.1:5000/login with:")
    for email, role in logins:
        click.echo(f"  {role:<9} {email}  password: {DEMO_PASSWORD}")
