"""The admins' audit page: browse, filter and export the audit trail (never edit it)."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from ambassador.audit import record_export
from ambassador.audit import services as audit
from ambassador.auth.access import admin_only
from ambassador.csvfile import csv_download
from ambassador.extensions import db
from ambassador.text import ascii_int

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
# `{{ e.before|snapshot }}`: the same readable JSON as the export (a plain string, so the
# page escapes it like any text; `tojson` is for scripts and writes é as \u00e9).
bp.add_app_template_filter(audit.snapshot_text, "snapshot")


@bp.route("")
@admin_only
def index():
    """Audit entries, newest first, narrowed by actor, action, object and dates."""
    filters = audit.AuditFilters.from_args(request.args)
    page = ascii_int(request.args.get("page"), 1, 1_000_000) or 1
    actions, kinds = audit.known_values()
    return render_template("auth/audit.html", filters=filters, args=filters.as_args(),
                           pagination=audit.search_entries(filters, page),
                           actions=actions, kinds=kinds)


@bp.route("/export.csv")
@admin_only
def export_csv():
    """The entries matching the page's filters as CSV; the download is itself audited."""
    filters = audit.AuditFilters.from_args(request.args)
    record_export(current_user, "audit", filters.as_args())
    db.session.commit()
    return csv_download("audit.csv", audit.EXPORT_COLUMNS, audit.export_rows(filters))
