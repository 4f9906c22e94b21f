"""forum: categories, threads, posts, reactions, votes, visits, reports, digests, search

The search index `forum_search` is no model: database triggers keep it current on every
insert, edit and delete of a post and every change of a thread's title, whatever the
code path (forms, demo, benchmarks, bulk SQL).

PostgreSQL: forum_search(post_id, language, document tsvector) with a GIN index;
statement-level triggers with transition tables (set-based, fast for bulk inserts);
`forum_search_config(lang)` names the text search configuration of a language:
french, turkish (simple when this server has no turkish configuration), english.
SQLite: an FTS5 table (rowid = post id) and row-level triggers. Note for future SQLite
batch migrations that recreate forum_posts or forum_threads: they drop these
triggers, so re-create them (see _SQLITE).

Revision ID: a7c3e1f0b2d4
Revises: c3b44da5cb63
Create Date: 2026-12-01 07:38:16.201787

"""
from alembic import op
import sqlalchemy as sa

import ambassador.utils


# revision identifiers, used by Alembic.
revision = 'a7c3e1f0b2d4'
down_revision = 'c3b44da5cb63'
branch_labels = None
depends_on = None


_PG_FUNCTIONS = """
CREATE FUNCTION forum_search_config(lang text) RETURNS regconfig LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE lang WHEN 'fr' THEN 'french'::regconfig WHEN 'tr' THEN '{turkish}'::regconfig
                ELSE 'english'::regconfig END
$$;
CREATE FUNCTION forum_search_document(lang text, title text, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE AS $$
    SELECT setweight(to_tsvector(forum_search_config(lang), coalesce(title, '')), 'A')
        || setweight(to_tsvector(forum_search_config(lang), coalesce(body, '')), 'B')
$$;
CREATE FUNCTION forum_search_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO forum_search (post_id, language, document)
        SELECT p.id, p.language,
               forum_search_document(p.language, CASE WHEN p.is_first THEN t.title END, p.body)
        FROM new_rows p JOIN forum_threads t ON t.id = p.thread_id
        ORDER BY p.id;
    ELSE
        UPDATE forum_search AS s
        SET language = p.language,
            document = forum_search_document(p.language, CASE WHEN p.is_first THEN t.title END,
                                             p.body)
        FROM new_rows p JOIN old_rows o ON o.id = p.id JOIN forum_threads t ON t.id = p.thread_id
        WHERE s.post_id = p.id AND (o.body IS DISTINCT FROM p.body
              OR o.language IS DISTINCT FROM p.language OR o.is_first <> p.is_first);
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION forum_search_titles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE forum_search AS s
    SET document = forum_search_document(p.language, n.title, p.body)
    FROM new_rows n JOIN old_rows o ON o.id = n.id
         JOIN forum_posts p ON p.thread_id = n.id AND p.is_first
    WHERE n.title <> o.title AND s.post_id = p.id;
    RETURN NULL;
END $$;
"""

_PG_OBJECTS = [
    "CREATE TABLE forum_search (post_id integer PRIMARY KEY REFERENCES forum_posts (id) "
    "ON DELETE CASCADE, language varchar(8) NOT NULL, document tsvector NOT NULL)",
    "CREATE INDEX ix_forum_search_document ON forum_search USING gin (document)",
    "CREATE TRIGGER forum_search_insert AFTER INSERT ON forum_posts "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION forum_search_posts()",
    "CREATE TRIGGER forum_search_update AFTER UPDATE ON forum_posts "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION forum_search_posts()",
    "CREATE TRIGGER forum_search_title AFTER UPDATE ON forum_threads "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION forum_search_titles()",
]

_PG_DROP = [
    "DROP TRIGGER IF EXISTS forum_search_title ON forum_threads",
    "DROP TRIGGER IF EXISTS forum_search_update ON forum_posts",
    "DROP TRIGGER IF EXISTS forum_search_insert ON forum_posts",
    "DROP TABLE IF EXISTS forum_search",
    "DROP FUNCTION IF EXISTS forum_search_titles()",
    "DROP FUNCTION IF EXISTS forum_search_posts()",
    "DROP FUNCTION IF EXISTS forum_search_document(text, text, text)",
    "DROP FUNCTION IF EXISTS forum_search_config(text)",
]

_SQLITE_ROW = ("CASE WHEN NEW.is_first THEN (SELECT title FROM forum_threads "
               "WHERE id = NEW.thread_id) ELSE '' END, NEW.body")
_SQLITE = [
    "CREATE VIRTUAL TABLE forum_search USING fts5(title, body, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER forum_search_insert AFTER INSERT ON forum_posts BEGIN "
    f"INSERT INTO forum_search (rowid, title, body) VALUES (NEW.id, {_SQLITE_ROW}); END",
    "CREATE TRIGGER forum_search_update AFTER UPDATE OF body, is_first ON forum_posts BEGIN "
    "DELETE FROM forum_search WHERE rowid = OLD.id; "
    f"INSERT INTO forum_search (rowid, title, body) VALUES (NEW.id, {_SQLITE_ROW}); END",
    "CREATE TRIGGER forum_search_delete AFTER DELETE ON forum_posts BEGIN "
    "DELETE FROM forum_search WHERE rowid = OLD.id; END",
    "CREATE TRIGGER forum_search_title AFTER UPDATE OF title ON forum_threads BEGIN "
    "UPDATE forum_search SET title = NEW.title WHERE rowid IN "
    "(SELECT id FROM forum_posts WHERE thread_id = NEW.id AND is_first); END",
]

_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS forum_search_title",
    "DROP TRIGGER IF EXISTS forum_search_delete",
    "DROP TRIGGER IF EXISTS forum_search_update",
    "DROP TRIGGER IF EXISTS forum_search_insert",
    "DROP TABLE IF EXISTS forum_search",
]


def _create_search_index():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        has_turkish = bind.execute(sa.text(
            "SELECT count(*) FROM pg_ts_config WHERE cfgname = 'turkish'")).scalar()
        op.execute(_PG_FUNCTIONS.replace("{turkish}", "turkish" if has_turkish else "simple"))
        for statement in _PG_OBJECTS:
            op.execute(statement)
    else:
        for statement in _SQLITE:
            op.execute(statement)


def _drop_search_index():
    drops = _PG_DROP if op.get_bind().dialect.name == "postgresql" else _SQLITE_DROP
    for statement in drops:
        op.execute(statement)


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('forum_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('staff_only', sa.Boolean(), nullable=False),
    sa.Column('on_home', sa.Boolean(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ambassador.utils.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('discussion', 'ideas')", name=op.f('ck_forum_categories_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_categories'))
    )
    with op.batch_alter_table('forum_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_categories_program_id'), ['program_id'], unique=False)

    op.create_table('forum_members',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.Column('last_digest_at', ambassador.utils.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_forum_members'))
    )
    op.create_table('forum_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('idea_status', sa.String(length=16), nullable=True),
    sa.Column('post_count', sa.Integer(), nullable=False),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.Column('last_post_id', sa.Integer(), nullable=True),
    sa.Column('last_post_at', ambassador.utils.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', ambassador.utils.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("idea_status IS NULL OR idea_status IN ('under_review', 'planned', 'shipped', 'declined')", name=op.f('ck_forum_threads_idea_status')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_forum_threads_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['forum_categories.id'], name=op.f('fk_forum_threads_category_id_forum_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_threads'))
    )
    with op.batch_alter_table('forum_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_threads_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_forum_threads_listing', ['category_id', 'pinned', 'last_post_at', 'id'], unique=False)
        batch_op.create_index('ix_forum_threads_votes', ['category_id', 'vote_count', 'id'], unique=False)

    op.create_table('forum_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('is_first', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('html_version', sa.String(length=12), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('quote_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ambassador.utils.UTCDateTime(timezone=True), nullable=False),
    sa.Column('edited_at', ambassador.utils.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', ambassador.utils.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_forum_posts_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_of_id'], ['forum_posts.id'], name=op.f('fk_forum_posts_quote_of_id_forum_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['forum_threads.id'], name=op.f('fk_forum_posts_thread_id_forum_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_posts'))
    )
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_posts_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_forum_posts_thread', ['thread_id', 'id'], unique=False)

    op.create_table('forum_visits',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('last_post_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', ambassador.utils.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['forum_threads.id'], name=op.f('fk_forum_visits_thread_id_forum_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_visits_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'thread_id', name=op.f('pk_forum_visits'))
    )
    with op.batch_alter_table('forum_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_visits_thread_id'), ['thread_id'], unique=False)

    op.create_table('forum_votes',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', ambassador.utils.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['forum_threads.id'], name=op.f('fk_forum_votes_thread_id_forum_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', 'user_id', name=op.f('pk_forum_votes'))
    )
    with op.batch_alter_table('forum_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_votes_user_id'), ['user_id'], unique=False)

    op.create_table('forum_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=8), nullable=False),
    sa.Column('created_at', ambassador.utils.UTCDateTime(timezone=True), nullable=False),
    sa.Column('mailed_at', ambassador.utils.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("reason IN ('reply', 'quote')", name=op.f('ck_forum_notifications_reason')),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_notifications_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_notifications')),
    sa.UniqueConstraint('user_id', 'post_id', name=op.f('uq_forum_notifications_user_id_post_id'))
    )
    with op.batch_alter_table('forum_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_forum_notifications_pending', ['mailed_at', 'user_id'], unique=False)

    op.create_table('forum_reactions',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('created_at', ambassador.utils.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_reactions_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_reactions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', 'kind', name=op.f('pk_forum_reactions'))
    )
    with op.batch_alter_table('forum_reactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_reactions_user_id'), ['user_id'], unique=False)

    op.create_table('forum_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', ambassador.utils.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', ambassador.utils.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_reports_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_forum_reports_reporter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_forum_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_reports')),
    sa.UniqueConstraint('post_id', 'reporter_id', name=op.f('uq_forum_reports_post_id_reporter_id'))
    )
    with op.batch_alter_table('forum_reports', schema=None) as batch_op:
        batch_op.create_index('ix_forum_reports_open', ['resolved_at', 'created_at'], unique=False)

    # ### end Alembic commands ###
    _create_search_index()


def downgrade():
    _drop_search_index()
    with op.batch_alter_table('forum_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_reports_open')

    op.drop_table('forum_reports')
    with op.batch_alter_table('forum_reactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_reactions_user_id'))

    op.drop_table('forum_reactions')
    with op.batch_alter_table('forum_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_notifications_pending')

    op.drop_table('forum_notifications')
    with op.batch_alter_table('forum_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_votes_user_id'))

    op.drop_table('forum_votes')
    with op.batch_alter_table('forum_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_visits_thread_id'))

    op.drop_table('forum_visits')
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_posts_thread')
        batch_op.drop_index(batch_op.f('ix_forum_posts_author_id'))

    op.drop_table('forum_posts')
    with op.batch_alter_table('forum_threads', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_threads_votes')
        batch_op.drop_index('ix_forum_threads_listing')
        batch_op.drop_index(batch_op.f('ix_forum_threads_author_id'))

    op.drop_table('forum_threads')
    op.drop_table('forum_members')
    with op.batch_alter_table('forum_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_categories_program_id'))

    op.drop_table('forum_categories')
    # ### end Alembic commands ###
