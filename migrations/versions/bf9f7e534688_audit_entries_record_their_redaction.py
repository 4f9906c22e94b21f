"""audit entries record their redaction

Revision ID: bf9f7e534688
Revises: 57d79bac8135
Create Date: 2026-12-01 13:22:43.413370

Erasing a person replaces the personal data in the before/after of the audit entries
about them with "[erased]" and sets `redacted_at`. On PostgreSQL the append-only trigger
lets that one change through, and only that: every other column stays as it was, and
each value of before/after either stays or becomes the marker "[erased]" (the keys and
the shape of the snapshot stay). Anything else is still refused.
"""
from alembic import op
import sqlalchemy as sa

import ambassador.utils


# revision identifiers, used by Alembic.
revision = 'bf9f7e534688'
down_revision = '57d79bac8135'
branch_labels = None
depends_on = None

_IS_REDACTION = """
CREATE FUNCTION audit_is_redaction(old jsonb, new jsonb) RETURNS boolean AS $$
DECLARE
  item text;
  i integer;
BEGIN
  IF new IS NOT DISTINCT FROM old OR new = '"[erased]"'::jsonb THEN
    RETURN true;
  END IF;
  IF old IS NULL OR new IS NULL OR jsonb_typeof(old) <> jsonb_typeof(new) THEN
    RETURN false;
  END IF;
  IF jsonb_typeof(old) = 'object' THEN
    IF (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(old) AS k)
       IS DISTINCT FROM (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(new) AS k) THEN
      RETURN false;
    END IF;
    FOR item IN SELECT jsonb_object_keys(old) LOOP
      IF NOT audit_is_redaction(old -> item, new -> item) THEN RETURN false; END IF;
    END LOOP;
    RETURN true;
  END IF;
  IF jsonb_typeof(old) = 'array' AND jsonb_array_length(old) = jsonb_array_length(new) THEN
    FOR i IN 0 .. jsonb_array_length(old) - 1 LOOP
      IF NOT audit_is_redaction(old -> i, new -> i) THEN RETURN false; END IF;
    END LOOP;
    RETURN true;
  END IF;
  RETURN false;
END
$$ LANGUAGE plpgsql IMMUTABLE
"""

_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
BEGIN
  IF current_setting('ambassador.audit_maintenance', true) = 'on' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE'
     AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
     AND NEW.actor_email = OLD.actor_email AND NEW.action = OLD.action
     AND NEW.target_type = OLD.target_type AND NEW.target_id = OLD.target_id THEN
    IF OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
       AND NEW.redacted_at IS NOT DISTINCT FROM OLD.redacted_at
       AND NEW.before::text IS NOT DISTINCT FROM OLD.before::text
       AND NEW.after::text IS NOT DISTINCT FROM OLD.after::text THEN
      RETURN NEW;  -- ON DELETE SET NULL of the actor's account
    END IF;
    IF NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.redacted_at IS NOT NULL
       AND audit_is_redaction(OLD.before::jsonb, NEW.before::jsonb)
       AND audit_is_redaction(OLD.after::jsonb, NEW.after::jsonb) THEN
      RETURN NEW;  -- an erasure replacing personal data with "[erased]"
    END IF;
  END IF;
  RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""

_APPEND_ONLY_BEFORE = """
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
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
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redacted_at', ambassador.utils.UTCDateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_IS_REDACTION)
        op.execute(_APPEND_ONLY)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY_BEFORE)
        op.execute("DROP FUNCTION IF EXISTS audit_is_redaction(jsonb, jsonb)")
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('redacted_at')
