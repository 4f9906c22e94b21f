"""Import pages: upload, preview and mapping, the queued import's progress, result."""

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from ambassador.audit import record_action
from ambassador.auth.access import staff
from ambassador.extensions import db
from ambassador.i18n import format_number
from ambassador.imports import forms, runs
from ambassador.imports.importer import (
    FIELDS,
    ImportFileError,
    inspect_file,
    recent_runs,
    save_mapping,
)
from ambassador.imports.models import ImportMapping, ImportRun, ImportUpload
from ambassador.imports.preview import Choices, Preview, read_for_preview
from ambassador.imports.tasks import import_upload
from ambassador.jobs import enqueue
from ambassador.text import ascii_int
from ambassador.utils import ServiceError, utcnow

bp = Blueprint("imports", __name__, url_prefix="/import")


def _upload_page(form: forms.UploadForm, status: int = 200, error: str | None = None):
    """The upload form with the latest imports."""
    now = utcnow()
    return render_template("imports/upload.html", form=form, error=error,
                           runs=recent_runs(), max_size=_max_size(),
                           run_status=lambda run: runs.status(run, now),
                           state_names=_state_names()), status


def _state_names() -> dict[str, str]:
    return {"queued": _("queued"), "running": _("running"), "done": _("done"),
            "failed": _("failed")}


def _max_size() -> str:
    """The upload limit in words ("64 MB")."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    if limit >= 2**20:
        return _("%(size)s MB", size=format_number(limit // 2**20))
    return _("%(size)s KB", size=format_number(limit // 2**10))


def _filename(raw: str | None) -> str:
    """The uploaded file's base name, without folders or control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or "upload.csv"


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """An upload over MAX_CONTENT_LENGTH: the upload page with the limit, status 413."""
    return _upload_page(forms.UploadForm(formdata=None), 413,
                        _("The file is larger than the %(size)s this server accepts. Split it, "
                          "or import it on the server with `flask nps import FILE`.",
                          size=_max_size()))


@bp.route("/", methods=["GET", "POST"])
@staff
def upload():
    """Upload a file: it is checked, kept for the preview, and nothing is imported yet."""
    form = forms.UploadForm()
    if not form.is_submitted():
        return _upload_page(form)
    if not form.validate():
        return _upload_page(form, 400)
    data = form.file.data.read()
    try:
        read_for_preview(data, Choices())
    except ImportFileError as exc:
        return _upload_page(form, 400, str(exc))
    runs.sweep()
    stored, dropped = runs.store_upload(current_user.id, _filename(form.file.data.filename),
                                        data)
    db.session.commit()
    if dropped:
        flash(ngettext("Your oldest waiting upload was removed to make room for this one.",
                       "Your %(num)d oldest waiting uploads were removed to make room for"
                       " this one.", dropped), "info")
    return redirect(url_for("imports.preview", token=stored.token), code=303)


def _stored(token: str) -> ImportUpload | None:
    return db.session.scalar(select(ImportUpload).where(ImportUpload.token == token))


def _preview_page(stored: ImportUpload, preview: Preview, form: forms.PreviewForm,
                  status: int = 200, error: str | None = None, applied: str | None = None):
    return render_template(
        "imports/preview.html", upload=stored, p=preview, info=preview.info, form=form,
        error=error, applied=applied, fields=FIELDS, labels=forms.FIELD_LABELS,
        encodings=forms.ENCODINGS, delimiters=forms.DELIMITER_CHOICES,
        date_orders=forms.DATE_ORDER_CHOICES), status


@bp.route("/<token>", methods=["GET", "POST"])
@staff
def preview(token: str):
    """Show how the file will be read; change options and mapping; import it."""
    stored = _stored(token)
    if stored is None:
        if request.method == "POST":
            return _already_imported()
        return _upload_page(forms.UploadForm(formdata=None), 404,
                            _("This upload was already imported or has expired."))
    form = forms.PreviewForm()
    action = request.form.get("action", "preview") if form.is_submitted() else "show"
    applied, shown = None, None
    if action == "show":
        choices = Choices()
        try:
            shown = read_for_preview(stored.data, choices)
        except ImportFileError as exc:
            return _upload_page(forms.UploadForm(formdata=None), 400, str(exc))
        if shown.saved:  # read it again by the saved mapping (one pass over the file, not two)
            saved, shown = shown.saved[0], None
            choices, applied = Choices.from_saved(saved), saved.name
    elif action == "use_mapping":
        saved = db.session.get(ImportMapping, ascii_int(request.form.get("saved"), 1) or 0)
        choices = Choices.from_saved(saved) if saved else Choices()
        applied = saved.name if saved else None
    else:
        choices = Choices.from_form(request.form)
    try:
        shown = shown or read_for_preview(stored.data, choices)
    except ImportFileError as exc:
        return _upload_page(forms.UploadForm(formdata=None), 400, str(exc))
    if action != "import":
        return _preview_page(stored, shown, form, applied=applied)
    if not form.validate():
        return _preview_page(stored, shown, form, 400, _("Check the form below."))
    return _import(stored, choices, shown, form)


def _already_imported():
    """A second press of Import after the first one's run finished (its upload is gone)."""
    flash(_("This upload was already imported or has expired: see the imports below,"
            " or upload the file again."), "info")
    return redirect(url_for("imports.upload"), code=303)


def _import(stored: ImportUpload, choices: Choices, shown: Preview, form: forms.PreviewForm):
    """Queue the import of the stored file by the chosen options; show its progress."""
    upload_id, token = stored.id, stored.token  # kept: a concurrent press may remove the row
    existing = runs.run_for_upload(upload_id)
    if existing is not None:  # a second press of Import
        return redirect(url_for("imports.result", run_id=existing.id), code=303)
    options = choices.options()
    try:
        info = shown.info
        relaxed = (shown.choices != choices or shown.problems or shown.needs_date_order
                   or shown.score_candidates)
        if relaxed:  # read exactly as chosen: its error is the one to show
            info = inspect_file(stored.data, options)
        if form.save_as.data:
            save_mapping(form.save_as.data, info.columns,
                         Preview(info=info, choices=choices).mapping_to_save(),
                         choices.saved_options(info))
        run = runs.queue_run(stored, options, info, current_user.id)
        record_action(current_user, "import.queued", run,
                      after={"filename": run.filename, "rows": run.rows_total})
        db.session.commit()
    except (ImportFileError, ServiceError) as exc:
        db.session.rollback()
        return _preview_page(stored, shown, form, 400, str(exc))
    except IntegrityError:  # a concurrent press queued it first (or saved the same name)
        db.session.rollback()
        existing = runs.run_for_upload(upload_id)
        if existing is not None:
            return redirect(url_for("imports.result", run_id=existing.id), code=303)
        stored = _stored(token)
        if stored is None:  # the concurrent press's run already finished and removed it
            return _already_imported()
        return _preview_page(stored, shown, form, 400,
                             _("A mapping with this name was just saved: choose another."))
    enqueue(import_upload, run.id)
    if form.save_as.data:
        flash(_("The mapping “%(name)s” is saved: files with the same columns will use it.",
                name=form.save_as.data.strip()), "success")
    return redirect(url_for("imports.result", run_id=run.id), code=303)


@bp.route("/runs/<int:run_id>")
@staff
def result(run_id: int):
    """One import: its live progress while queued or running, then counts and errors."""
    run = db.get_or_404(ImportRun, run_id)
    status = runs.status(run, utcnow())
    if status["state"] in runs.ACTIVE:
        return render_template("imports/progress.html", run=run, status=status)
    return render_template("imports/result.html", run=run, status=status)


@bp.route("/runs/<int:run_id>/status")
@staff
def run_status(run_id: int):
    """The progress of one import as JSON, polled by its page."""
    run = db.get_or_404(ImportRun, run_id)
    response = jsonify(runs.status(run, utcnow()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/runs/<int:run_id>/retry", methods=["POST"])
@staff
def retry(run_id: int):
    """Queue a failed import again: rows it had already imported count as duplicates."""
    db.get_or_404(ImportRun, run_id)
    try:
        run = runs.retry_run(run_id)
        record_action(current_user, "import.retried", run, after={"filename": run.filename})
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "info")
        return redirect(url_for("imports.result", run_id=run_id), code=303)
    enqueue(import_upload, run.id)
    return redirect(url_for("imports.result", run_id=run.id), code=303)
