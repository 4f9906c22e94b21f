"""Ambassador: the self-hosted promoter portal (application factory)."""

import os
import sqlite3
from pathlib import Path

from flask import Flask, render_template, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from ambassador.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None) -> Flask:
    """Build the app for a config name or class (default: $AMBASSADOR_ENV or development)."""
    import config as config_module

    config = config or os.environ.get("AMBASSADOR_ENV", "development")
    cfg = config_module.CONFIGS[config] if isinstance(config, str) else config
    if hasattr(cfg, "check"):
        cfg.check()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=cfg.INSTANCE_PATH,
    )
    app.config.from_object(cfg)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)
    app.url_map.converters["int"] = DatabaseIdConverter
    register_extensions(app)
    register_request_rules(app)
    register_jobs(app)
    register_blueprints(app)
    register_fast_paths(app)
    register_cli(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    return app


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in routes: ASCII digits only; ids beyond a database integer are a 404."""

    regex = r"[0-9]+"  # \d would also match "１２" and "١٢"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def register_extensions(app: Flask) -> None:
    """Bind db, migrations, login, security headers, CSRF and the rate limiter to the app."""
    import ambassador.models  # noqa: F401  (complete metadata for migrations)
    from ambassador import assets, i18n, security
    from ambassador.mail import instant

    db.init_app(app)
    assets.install(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    security.init_app(app)  # before CSRF: a cross-site POST is refused first
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, default_translation_directories=str(i18n.TRANSLATIONS),
                   locale_selector=i18n.select_locale)
    instant.install()


def register_request_rules(app: Flask) -> None:
    """Rules every request meets before any view: no control characters in what is sent."""
    from ambassador import text

    text.install(app)


def register_jobs(app: Flask) -> None:
    """The task queue, with the jobs each feature declares in its tasks.py."""
    import ambassador.checkins.loop_tasks  # noqa: F401
    import ambassador.checkins.tasks  # noqa: F401
    import ambassador.forum.tasks  # noqa: F401
    import ambassador.imports.tasks  # noqa: F401
    import ambassador.mail.tasks  # noqa: F401
    import ambassador.portal.tasks  # noqa: F401
    import ambassador.privacy.tasks  # noqa: F401
    import ambassador.programs.tasks  # noqa: F401
    import ambassador.referrals.tasks  # noqa: F401
    from ambassador import jobs

    jobs.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Register one blueprint per feature."""
    from ambassador import security
    from ambassador.api.views import bp as api_bp
    from ambassador.auth.account_views import bp as account_bp
    from ambassador.auth.audit_views import bp as audit_bp
    from ambassador.auth.views import bp as auth_bp
    from ambassador.checkins.followup_views import bp as followups_bp
    from ambassador.checkins.views import bp as checkins_bp
    from ambassador.checkins.webhook_views import bp as webhooks_bp
    from ambassador.forum.views import bp as forum_bp
    from ambassador.imports.views import bp as imports_bp
    from ambassador.mail.views import bp as unsubscribe_bp
    from ambassador.nps.views import bp as nps_bp
    from ambassador.offers.views import bp as offers_bp
    from ambassador.portal.views import bp as portal_bp
    from ambassador.privacy.views import bp as privacy_bp
    from ambassador.programs.manage import bp as manage_programs_bp
    from ambassador.programs.views import bp as programs_bp
    from ambassador.referrals.staff_views import bp as referrals_admin_bp
    from ambassador.referrals.views import bp as referrals_bp
    from ambassador.testimonials.staff_views import bp as testimonials_admin_bp
    from ambassador.testimonials.views import bp as testimonials_bp
    from ambassador.widgets.public import bp as widget_public_bp
    from ambassador.widgets.views import bp as widgets_bp

    for bp in (auth_bp, account_bp, nps_bp, imports_bp, api_bp, portal_bp, programs_bp,
               manage_programs_bp, testimonials_bp, testimonials_admin_bp, offers_bp,
               widgets_bp, widget_public_bp, forum_bp, unsubscribe_bp, audit_bp, referrals_bp,
               referrals_admin_bp, privacy_bp, followups_bp, webhooks_bp, checkins_bp):
        app.register_blueprint(bp)
    csrf.exempt(api_bp)  # bearer tokens only, never the session cookie
    security.exempt_blueprint(api_bp)


def register_fast_paths(app: Flask) -> None:
    """Answers replayed in front of the app: fresh widget payloads and widget.js."""
    from ambassador.widgets import replay

    replay.install(app)


def register_cli(app: Flask) -> None:
    """Add each feature's command group (one `cli.py` per package)."""

    from ambassador.auth.cli import tokens_cli, users_cli
    from ambassador.checkins.cli import checkins_cli
    from ambassador.checkins.loop_cli import digest_command
    from ambassador.demo import demo_cli
    from ambassador.forum.cli import forum_cli
    from ambassador.imports.cli import import_command
    from ambassador.jobs import worker_command
    from ambassador.mail.cli import outbox_cli
    from ambassador.nps.cli import nps_cli
    from ambassador.portal.cli import invitations_cli
    from ambassador.privacy.cli import privacy_cli
    from ambassador.programs.cli import programs_cli

    nps_cli.add_command(import_command, "import")
    checkins_cli.add_command(digest_command)
    for group in (users_cli, tokens_cli, nps_cli, outbox_cli, invitations_cli, programs_cli,
                  forum_cli, privacy_cli, checkins_cli, demo_cli, worker_command):
        app.cli.add_command(group)


def register_errorhandlers(app: Flask) -> None:
    """Friendly error pages for people, JSON errors for the API."""
    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError
    from sqlalchemy.exc import OperationalError
    from werkzeug.exceptions import HTTPException

    from ambassador import outages, security
    from ambassador.utils import ServiceError, lost_a_race

    def render(code: int, description: str | None = None):
        if request.path.startswith("/api/"):
            return {"error": description or str(code)}, code
        return render_template("errors/error.html", code=code, description=description), code

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        description = exc.description if exc.code != 500 else None
        if request.path.startswith("/api/"):
            return render(exc.code or 500, description)
        if isinstance(exc, CSRFError):
            answer = security.expired_form_answer()
            if answer is not None:
                return answer
            description = _("This form had expired: go back, reload the page and send it again.")
        elif description == type(exc).description:
            description = None  # Werkzeug's stock English text: the page says it in its own words
        return render(exc.code or 500, description)

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        db.session.rollback()
        return render(exc.status_code, str(exc))

    outages.install(app)  # the database or Redis away: 503, before the catch-all below

    @app.errorhandler(OperationalError)
    def database_error(exc: OperationalError):
        if not lost_a_race(exc):
            return outages.unavailable(exc)
        db.session.rollback()
        app.logger.warning("%s %s lost a race with another request: %s",
                           request.method, request.path, exc.orig)
        return render(409, _("Someone else changed the same thing at this very moment. "
                             "Reload the page to see where things stand, then try again."))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        if app.testing:
            raise exc
        app.logger.exception("Unhandled error on %s", request.path)
        return render(500)


def register_template_helpers(app: Flask) -> None:
    """Template filters and globals shared by every page."""
    from ambassador import i18n, templating

    templating.register(app)
    i18n.register(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, WAL for concurrent readers, wait when locked."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
