"""cheaper import writes: no company index beside the covering one, no quarter_scores key

ix_customers_company duplicates the leading column of ix_customers_company_score, and
every new or updated customer paid for both. quarter_scores.customer_id loses its
foreign key (each row comes from a stored response of that customer, which keeps its
key): the key's check locked the customer once per row of every import. Its cascade
becomes a trigger on customers, so deleting a customer still deletes their rows.

Revision ID: 3c5e0a9d1f47
Revises: bf9f7e534688
Create Date: 2026-12-01 13:40:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c5e0a9d1f47'
down_revision = 'bf9f7e534688'
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


def _sqlite_triggers():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS quarter_tallies_{name}")
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


_PG_CASCADE = [
    """
    CREATE FUNCTION quarter_scores_of_deleted_customers() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM quarter_scores WHERE customer_id IN (SELECT id FROM gone);
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER quarter_scores_cascade AFTER DELETE ON customers "
    "REFERENCING OLD TABLE AS gone "
    "FOR EACH STATEMENT EXECUTE FUNCTION quarter_scores_of_deleted_customers()",
]
_SQLITE_CASCADE = [
    "CREATE TRIGGER quarter_scores_cascade AFTER DELETE ON customers BEGIN "
    "DELETE FROM quarter_scores WHERE customer_id = OLD.id; END",
]


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_company')
    with op.batch_alter_table('quarter_scores', schema=None) as batch_op:
        batch_op.drop_constraint('fk_quarter_scores_customer_id_customers', type_='foreignkey')
    _sqlite_triggers()
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _PG_CASCADE if postgresql else _SQLITE_CASCADE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS quarter_scores_cascade ON customers")
        op.execute("DROP FUNCTION IF EXISTS quarter_scores_of_deleted_customers()")
    else:
        op.execute("DROP TRIGGER IF EXISTS quarter_scores_cascade")
    op.execute("DELETE FROM quarter_scores WHERE customer_id NOT IN (SELECT id FROM customers)")
    with op.batch_alter_table('quarter_scores', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_quarter_scores_customer_id_customers', 'customers',
                                    ['customer_id'], ['id'], ondelete='CASCADE')
    _sqlite_triggers()
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_company', ['company'], unique=False)
