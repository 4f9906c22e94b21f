"""check constraints for scores, roles, statuses, sources and touchpoints

The database refuses what the code never writes: a score outside 0-10, an unknown
role, customer status, response source or touchpoint. The lists are written out here
(not imported) so that this migration keeps meaning what it meant when it was written.

SQLite cannot add a constraint to a table: batch mode rebuilds users, customers and
responses. env.py turns foreign keys off while migrating SQLite, so dropping the old
customers table does not cascade into responses.

Revision ID: bbcb10dabc21
Revises: 09018186d507
Create Date: 2026-12-01 07:40:00.000000

"""
from alembic import op

revision = 'bbcb10dabc21'
down_revision = '09018186d507'
branch_labels = None
depends_on = None

CHECKS = {
    "users": {"role": "role IN ('promoter', 'marketer', 'admin')"},
    "customers": {"status": "status IN ('active', 'lapsed', 'none')",
                  "latest_score": "latest_score BETWEEN 0 AND 10"},
    "responses": {"score": "score BETWEEN 0 AND 10",
                  "source": "source IN ('import', 'api', 'checkin')",
                  "touchpoint": "touchpoint IN ('relational', 'transactional')"},
}


def upgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, condition in checks.items():
                batch_op.create_check_constraint(name, condition)


def downgrade():
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in checks:
                batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
