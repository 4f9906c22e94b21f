"""Tests of the mail outbox."""

from sqlalchemy.engine import make_url

from config import TestingConfig

_URL = make_url(TestingConfig.SQLALCHEMY_DATABASE_URI)

# Flask-SQLAlchemy gives in-memory SQLite one connection shared by every session (StaticPool).
IN_MEMORY_SQLITE = _URL.get_backend_name() == "sqlite" and _URL.database in (None, "", ":memory:")
