"""quarter scores without a foreign key to responses

Revision ID: f2846d9bc166
Revises: a717fbeed460
Create Date: 2026-12-01 08:09:35.924000

"""
from alembic import op
import sqlalchemy as sa

import ambassador.utils


# revision identifiers, used by Alembic.
revision = 'f2846d9bc166'
down_revision = 'a717fbeed460'
branch_labels = None
depends_on = None


# SQLite rebuilds quarter_scores to drop the key, and a rebuild drops the table's
# triggers: re-create the tally triggers, as migration 2e619615fc35 made them.
_KEY = "quarter, touchpoint, score"


def _sqlite_match(row: str) -> str:
    return f"quarter = {row}.quarter AND touchpoint = {row}.touchpoint AND score = {row}.score"


def _sqlite_add(row: str, step: str) -> str:
    return f"UPDATE quarter_tallies SET answers = answers {step} WHERE {_sqlite_match(row)};"


def _sqlite_ensure(row: str) -> str:
    # Not INSERT OR IGNORE: inside a trigger the outer statement's conflict clause (the
    # upsert's) would override it.
    return (f"INSERT INTO quarter_tallies ({_KEY}, answers) "
            f"SELECT {row}.quarter, {row}.touchpoint, {row}.score, 0 WHERE NOT EXISTS "
            f"(SELECT 1 FROM quarter_tallies WHERE {_sqlite_match(row)});")


_SQLITE_TRIGGERS = [
    "CREATE TRIGGER quarter_tallies_insert AFTER INSERT ON quarter_scores BEGIN "
    f"{_sqlite_ensure('NEW')} {_sqlite_add('NEW', '+ 1')} END",
    "CREATE TRIGGER quarter_tallies_update AFTER UPDATE OF quarter, touchpoint, score "
    "ON quarter_scores WHEN OLD.quarter <> NEW.quarter OR OLD.touchpoint <> NEW.touchpoint "
    "OR OLD.score <> NEW.score BEGIN "
    f"{_sqlite_add('OLD', '- 1')} {_sqlite_ensure('NEW')} {_sqlite_add('NEW', '+ 1')} END",
    "CREATE TRIGGER quarter_tallies_delete AFTER DELETE ON quarter_scores BEGIN "
    f"{_sqlite_add('OLD', '- 1')} END",
]


def upgrade():
    with op.batch_alter_table('quarter_scores', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_quarter_scores_response_id_responses'), type_='foreignkey')
    _sqlite_triggers()


def _sqlite_triggers():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS quarter_tallies_{name}")
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    with op.batch_alter_table('quarter_scores', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_quarter_scores_response_id_responses'), 'responses', ['response_id'], ['id'], ondelete='CASCADE')
    _sqlite_triggers()
