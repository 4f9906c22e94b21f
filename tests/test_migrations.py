"""The database holds the rules it can: CHECK constraints, kept through SQLite rebuilds."""

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

import config
from ambassador import create_app
from ambassador.extensions import db


def _customer(**values) -> int:
    row = {"email": "a@example.com", "status": "none", "latest_score": None, **values}
    db.session.execute(text(
        "INSERT INTO customers (email, status, latest_score, created_at) "
        "VALUES (:email, :status, :latest_score, CURRENT_TIMESTAMP)"), row)
    return db.session.scalar(text("SELECT id FROM customers WHERE email = :email"), row)


def _response(customer_id: int, **values) -> None:
    row = {"customer_id": customer_id, "score": 9, "source": "import", "touchpoint": None,
           "key": "00000000000000000000000000000001", **values}
    db.session.execute(text(
        "INSERT INTO responses (customer_id, score, responded_at, source, touchpoint, "
        "dedupe_key, created_at) VALUES (:customer_id, :score, CURRENT_TIMESTAMP, :source, "
        ":touchpoint, :key, CURRENT_TIMESTAMP)"), row)


def test_valid_rows_are_accepted(app):
    customer = _customer(status="active", latest_score=10)
    _response(customer, score=0, source="api", touchpoint="relational")
    _response(customer, score=10, source="checkin", touchpoint=None,
              key="00000000000000000000000000000002")
    db.session.commit()


@pytest.mark.parametrize("bad", [
    {"score": 11}, {"score": -1}, {"source": "csv"}, {"touchpoint": "Relational"},
    {"touchpoint": ""},
])
def test_the_database_refuses_a_response_outside_the_rules(app, bad):
    customer = _customer()
    with pytest.raises(IntegrityError):
        _response(customer, **bad)
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("bad", [{"status": "gone"}, {"latest_score": 12}])
def test_the_database_refuses_a_customer_outside_the_rules(app, bad):
    with pytest.raises(IntegrityError):
        _customer(**bad)
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_an_unknown_role(app):
    with pytest.raises(IntegrityError):
        db.session.execute(text(
            "INSERT INTO users (email, name, role, disabled, session_token, created_at) "
            "VALUES ('x@example.com', '', 'owner', false, 't', CURRENT_TIMESTAMP)"))
        db.session.flush()
    db.session.rollback()


def test_rebuilding_sqlite_tables_keeps_the_rows_that_refer_to_them(tmp_path):
    """SQLite batch mode drops and re-creates a table; no ON DELETE CASCADE may fire."""

    class FileConfig(config.TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'upgrade.db'}"

    app = create_app(FileConfig)
    with app.app_context():
        upgrade(revision="09018186d507")  # just before the CHECK constraints
        customer = _customer(status="active", latest_score=10)
        _response(customer)
        db.session.execute(text(
            "INSERT INTO users (email, name, role, disabled, session_token, customer_id, "
            "created_at) VALUES ('a@example.com', '', 'promoter', 0, 't', :id, "
            "CURRENT_TIMESTAMP)"), {"id": customer})
        db.session.commit()
        upgrade()
        assert db.session.scalar(text("SELECT count(*) FROM responses")) == 1
        assert db.session.scalar(text("SELECT customer_id FROM users")) == customer
        assert db.session.scalar(text("PRAGMA foreign_keys")) == 1  # back on for the app
        db.session.remove()
        db.engine.dispose()


def test_shortening_the_dedupe_key_keeps_re_imports_duplicates(tmp_path):
    """Keys stored before the 16-byte key still match the same answer; downgrade restores."""
    import hashlib

    from flask_migrate import downgrade

    from ambassador.nps.services import record_responses
    from ambassador.utils import utcnow

    class FileConfig(config.TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'key.db'}"

    moment = utcnow().replace(microsecond=0)
    raw = "k\x1f" + "\x1f".join(("a@example.com", "9", moment.isoformat(timespec="seconds")))
    old_key = hashlib.sha256(raw.encode()).hexdigest()
    app = create_app(FileConfig)
    with app.app_context():
        upgrade(revision="9cfdaf83d832")  # keys of 64 hex characters
        customer = _customer()
        db.session.execute(text(
            "INSERT INTO responses (customer_id, score, responded_at, source, dedupe_key,"
            " created_at) VALUES (:id, 9, :at, 'import', :key, CURRENT_TIMESTAMP)"),
            {"id": customer, "at": moment.replace(tzinfo=None).isoformat(sep=" "),
             "key": old_key})
        db.session.commit()
        upgrade()
        again = record_responses([{"email": "a@example.com", "score": 9,
                                   "responded_at": moment}], "import")
        assert (again.created, again.duplicates) == (0, 1)
        db.session.rollback()
        downgrade(revision="9cfdaf83d832")
        assert db.session.scalar(text("SELECT dedupe_key FROM responses")) == old_key
        db.session.remove()
        db.engine.dispose()
