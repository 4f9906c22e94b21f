"""quarter tallies and covering indexes for the dashboard

quarter_tallies counts the quarter_scores rows per (quarter, touchpoint, score); database
triggers on quarter_scores keep it exact on every insert, update and delete, whatever
the code path (imports, API, check-ins, cascades). The dashboard reads a few dozen
tally rows instead of counting a million quarter_scores rows.

PostgreSQL: statement-level triggers with transition tables, applying each statement's
changes in key order (one upsert per statement, locks taken in a consistent order).
SQLite: row-level triggers. Note for future SQLite batch migrations that recreate
quarter_scores: they drop its triggers, so re-create them (see _SQLITE_TRIGGERS).

Revision ID: 2e619615fc35
Revises: 0112bd58984a
Create Date: 2026-11-24 05:14:57.114575

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2e619615fc35'
down_revision = '0112bd58984a'
branch_labels = None
depends_on = None

_KEY = "quarter, touchpoint, score"

_PG_FUNCTION = f"""
CREATE FUNCTION quarter_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO quarter_tallies AS t ({_KEY}, answers)
        SELECT {_KEY}, count(*) FROM new_rows
        GROUP BY {_KEY} ORDER BY {_KEY}
        ON CONFLICT ({_KEY}) DO UPDATE SET answers = t.answers + EXCLUDED.answers;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO quarter_tallies AS t ({_KEY}, answers)
        SELECT {_KEY}, sum(delta) FROM (
            SELECT {_KEY}, 1 AS delta FROM new_rows
            UNION ALL
            SELECT {_KEY}, -1 AS delta FROM old_rows
        ) changes
        GROUP BY {_KEY} HAVING sum(delta) <> 0 ORDER BY {_KEY}
        ON CONFLICT ({_KEY}) DO UPDATE SET answers = t.answers + EXCLUDED.answers;
    ELSE
        UPDATE quarter_tallies AS t SET answers = t.answers - gone.n
        FROM (SELECT {_KEY}, count(*) AS n FROM old_rows GROUP BY {_KEY}) gone
        WHERE t.quarter = gone.quarter AND t.touchpoint = gone.touchpoint
          AND t.score = gone.score;
    END IF;
    RETURN NULL;
END $$
"""

_PG_TRIGGERS = [
    "CREATE TRIGGER quarter_tallies_insert AFTER INSERT ON quarter_scores "
    "REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION quarter_tallies_apply()",
    "CREATE TRIGGER quarter_tallies_update AFTER UPDATE ON quarter_scores "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION quarter_tallies_apply()",
    "CREATE TRIGGER quarter_tallies_delete AFTER DELETE ON quarter_scores "
    "REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION quarter_tallies_apply()",
]


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
    op.create_table('quarter_tallies',
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('touchpoint', sa.String(length=16), nullable=False),
    sa.Column('score', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('quarter', 'touchpoint', 'score', name=op.f('pk_quarter_tallies'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_company_score', ['company', 'latest_score', 'id'], unique=False)

    with op.batch_alter_table('quarter_scores', schema=None) as batch_op:
        batch_op.create_index('ix_quarter_scores_customer', ['customer_id', 'touchpoint', 'quarter', 'score'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("LOCK TABLE quarter_scores IN SHARE MODE")  # no writes until the triggers exist
        op.execute(_PG_FUNCTION)
        for statement in _PG_TRIGGERS:
            op.execute(statement)
    elif dialect == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        raise NotImplementedError(f"quarter_tallies triggers for {dialect}")
    op.execute(f"INSERT INTO quarter_tallies ({_KEY}, answers) "
               f"SELECT {_KEY}, count(*) FROM quarter_scores GROUP BY {_KEY}")


def downgrade():
    for name in ("insert", "update", "delete"):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS quarter_tallies_{name} ON quarter_scores")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS quarter_tallies_{name}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS quarter_tallies_apply()")

    with op.batch_alter_table('quarter_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_quarter_scores_customer')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_company_score')

    op.drop_table('quarter_tallies')
