"""audit entries are append-only on PostgreSQL

Revision ID: d41a9e2c7b10
Revises: 8063b23f32cb
Create Date: 2026-12-01 10:50:00

A trigger refuses UPDATE, DELETE and TRUNCATE of audit_entries, whoever connects: the
application has no route that changes an entry, and this makes the database say so too.
Two exceptions: the foreign key's ON DELETE SET NULL when an account is deleted (the
entry keeps the actor's copied email), and a session that sets
`ambassador.audit_maintenance = on` (the test suite emptying its tables; a DBA purging
by hand on purpose). SQLite has no session settings, so the rule stays in the
application there (documented in README).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd41a9e2c7b10'
down_revision = '8063b23f32cb'
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
BEGIN
  IF current_setting('ambassador.audit_maintenance', true) = 'on' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
     AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
     AND NEW.actor_email = OLD.actor_email AND NEW.action = OLD.action
     AND NEW.target_type = OLD.target_type AND NEW.target_id = OLD.target_id
     AND NEW.before::text IS NOT DISTINCT FROM OLD.before::text
     AND NEW.after::text IS NOT DISTINCT FROM OLD.after::text THEN
    RETURN NEW;  -- ON DELETE SET NULL of the actor's account
  END IF;
  RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    op.execute("CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries "
               "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()")
    op.execute("CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
    op.execute("DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries")
    op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
