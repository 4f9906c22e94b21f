"""Import pages: upload, preview and mapping, result."""

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from ambassador.auth.access import staff
from ambassador.extensions import db
from ambassador.imports import forms
from ambassador.imports.importer import (
    FIELDS,
    ImportFileError,
    import_file,
    inspect_file,
    recent_runs,
    record_run,
    save_mapping,
)
from ambassador.imports.models import ImportMapping, ImportRun, ImportUpload
from ambassador.imports.preview import Choices, Preview, read_for_preview
from ambassador.text import ascii_int
from ambassador.utils import ServiceError, new_token, utcnow

bp = Blueprint("imports", __name__, url_prefix="/import")

UPLOAD_MAX_AGE = timedelta(days=1)


def _upload_page(form: forms.UploadForm, status: int = 200, error: str | None = None):
    """The upload form with the latest imports."""
    return render_template("imports/upload.html", form=form, error=error,
                           runs=recent_runs(), max_size=_max_size()), status


def _max_size() -> str:
    """The upload limit in words ("64 MB")."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 2**10} KB"


def _filename(raw: str | None) -> str:
    """The uploaded file's base name, without folders or control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or "upload.csv"


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """An upload over MAX_CONTENT_LENGTH: the upload page with the limit, status 413."""
    return _upload_page(forms.UploadForm(formdata=None), 413,
                        f"The file is larger than the {_max_size()} this server accepts."
                        " Split it, or import it on the server with `flask nps import FILE`.")


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
    db.session.execute(delete(ImportUpload).where(
        ImportUpload.created_at < utcnow() - UPLOAD_MAX_AGE))
    stored = ImportUpload(token=new_token(), user_id=current_user.id,
                          filename=_filename(form.file.data.filename), data=data)
    db.session.add(stored)
    db.session.commit()
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
            flash("This upload was already imported or has expired: see the imports below,"
                  " or upload the file again.", "info")
            return redirect(url_for("imports.upload"), code=303)
        return _upload_page(forms.UploadForm(formdata=None), 404,
                            "This upload was already imported or has expired.")
    form = forms.PreviewForm()
    action = request.form.get("action", "preview") if form.is_submitted() else "show"
    applied = None
    if action == "show":
        choices = Choices()
        detected = read_for_preview(stored.data, choices)
        if detected.saved:
            choices, applied = Choices.from_saved(detected.saved[0]), detected.saved[0].name
    elif action == "use_mapping":
        saved = db.session.get(ImportMapping, ascii_int(request.form.get("saved"), 1) or 0)
        choices = Choices.from_saved(saved) if saved else Choices()
        applied = saved.name if saved else None
    else:
        choices = Choices.from_form(request.form)
    try:
        shown = read_for_preview(stored.data, choices)
    except ImportFileError as exc:
        return _upload_page(forms.UploadForm(formdata=None), 400, str(exc))
    if action != "import":
        return _preview_page(stored, shown, form, applied=applied)
    if not form.validate():
        return _preview_page(stored, shown, form, 400, "Check the form below.")
    return _import(stored, choices, shown, form)


def _import(stored: ImportUpload, choices: Choices, shown: Preview, form: forms.PreviewForm):
    """Import the stored file by the chosen options; record the run; forget the upload."""
    options = choices.options()
    try:
        info = inspect_file(stored.data, options)  # exactly as chosen: no relaxing now
        report = import_file(stored.data, options, info=info)
        if form.save_as.data:
            save_mapping(form.save_as.data, info.columns,
                         Preview(info=info, choices=choices).mapping_to_save(),
                         choices.saved_options(info))
        run = record_run(report, stored.filename, current_user.id)
        db.session.execute(delete(ImportUpload).where(ImportUpload.id == stored.id))
        db.session.commit()
    except (ImportFileError, ServiceError) as exc:
        db.session.rollback()
        return _preview_page(stored, shown, form, 400, str(exc))
    except IntegrityError:  # a concurrent double submit saved the same mapping name first
        db.session.rollback()
        flash("This upload was already imported: see the imports below.", "info")
        return redirect(url_for("imports.upload"), code=303)
    if form.save_as.data:
        flash(f"The mapping “{form.save_as.data.strip()}” is saved: files with the same"
              " columns will use it.", "success")
    return redirect(url_for("imports.result", run_id=run.id), code=303)


@bp.route("/runs/<int:run_id>")
@staff
def result(run_id: int):
    """The outcome of one import: counts and every rejected row."""
    run = db.get_or_404(ImportRun, run_id)
    return render_template("imports/result.html", run=run)
