"""Web imports as background jobs: queue a run, run it on a worker, retry it, sweep uploads.

A run is queued with its upload and reading options; the worker claims it with one
conditional UPDATE (a duplicate job finds it taken), imports the file committing each
chunk together with the run's counts, and finishes it as done (the upload is removed)
or failed with a reason (the upload is kept so the run can be started again). A re-run
stamps undated rows with the first run's time, so the rows a failed run already wrote
come back as duplicates and nothing is doubled.
"""

from dataclasses import asdict
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select, update

from ambassador.extensions import db
from ambassador.i18n import N_
from ambassador.imports.importer import (
    BATCH,
    MAX_STORED_ERRORS,
    RUN_COLUMN_WIDTHS,
    ImportFileError,
    ImportReport,
    ParseOptions,
    import_file,
    inspect_file,
)
from ambassador.imports.models import STALE_AFTER, ImportRun, ImportUpload
from ambassador.imports.parsing import FileInfo
from ambassador.utils import NotFound, ServiceError, new_token, utcnow

UPLOAD_MAX_AGE = timedelta(hours=24)
# Rows per chunk on PostgreSQL, each committed with its progress: a tenth of the file,
# between 5,000 and this many (larger chunks are faster, smaller ones move the bar).
PROGRESS_EVERY = 100_000
ACTIVE = ("queued", "running")
# Stored in English on the run, shown translated (`_(run.failure)` in the templates).
WORKER_DIED = N_("The worker running this import stopped before the end. Run it again:"
                 " the rows it had already imported count as duplicates.")
GONE = N_("The uploaded file was removed (uploads are kept 24 hours): upload it again.")
NEVER_STARTED = N_("No worker started this import within 24 hours.")


def store_upload(user_id: int, filename: str, data: bytes) -> tuple[ImportUpload, int]:
    """Keep an uploaded file for its preview; returns it and how many older uploads made room.

    Each user keeps at most IMPORT_UPLOADS_PER_USER uploads waiting (those being imported
    do not count); the oldest make room for a new one.
    """
    cap = max(1, current_app.config["IMPORT_UPLOADS_PER_USER"])
    busy = select(ImportRun.upload_id).where(ImportRun.state.in_(ACTIVE),
                                             ImportRun.upload_id.is_not(None))
    waiting = list(db.session.scalars(
        select(ImportUpload.id).where(ImportUpload.user_id == user_id,
                                      ImportUpload.id.not_in(busy))
        .order_by(ImportUpload.created_at.desc(), ImportUpload.id.desc())))
    dropped = waiting[cap - 1:]
    if dropped:
        db.session.execute(delete(ImportUpload).where(ImportUpload.id.in_(dropped)))
    stored = ImportUpload(token=new_token(), user_id=user_id, filename=filename, data=data)
    db.session.add(stored)
    db.session.flush()
    return stored, len(dropped)


def queue_run(stored: ImportUpload, options: ParseOptions, info: FileInfo,
              user_id: int | None) -> ImportRun:
    """A queued run of `stored` read by `options`; flushes (a second run of one upload is an
    IntegrityError: the caller finds the first one with run_for_upload)."""
    run = ImportRun(
        user_id=user_id, upload_id=stored.id, state="queued", options=asdict(options),
        filename=stored.filename[: RUN_COLUMN_WIDTHS["filename"]],
        encoding=info.encoding[: RUN_COLUMN_WIDTHS["encoding"]],
        delimiter=info.delimiter[: RUN_COLUMN_WIDTHS["delimiter"]],
        rows_total=info.data_rows, updated_at=utcnow())
    db.session.add(run)
    db.session.flush()
    return run


def run_for_upload(upload_id: int) -> ImportRun | None:
    """The run already made for an upload, if any."""
    return db.session.scalar(select(ImportRun).where(ImportRun.upload_id == upload_id))


def retry_run(run_id: int) -> ImportRun:
    """Queue a failed run again (its upload must still be there); flushes.

    One conditional UPDATE decides, so two presses queue it once: ServiceError for the
    second, and for a run that did not fail.
    """
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(_("There is no such import."))
    if run.upload_id is None:
        raise ServiceError(_(GONE))
    now = utcnow()
    retryable = or_(ImportRun.state == "failed",
                    and_(ImportRun.state == "running",
                         ImportRun.updated_at < now - STALE_AFTER))
    claimed = db.session.execute(
        update(ImportRun).where(ImportRun.id == run_id, retryable)
        .values(state="queued", failure=None, updated_at=now)).rowcount
    if claimed != 1:
        raise ServiceError(_("This import is already queued or running."))
    db.session.expire(run)
    return run


def run_import(run_id: int) -> None:
    """The job: import the run's upload, committing each chunk with the run's counts."""
    now = utcnow()
    claimed = db.session.execute(
        update(ImportRun).where(ImportRun.id == run_id, ImportRun.state == "queued")
        .values(state="running", updated_at=now, rows_read=0, imported=0, duplicates=0,
                rejected=0, skipped=0, errors=[])).rowcount
    db.session.commit()
    if claimed != 1:  # a duplicate job, or a run already done
        return
    run = db.session.get(ImportRun, run_id)
    upload = db.session.get(ImportUpload, run.upload_id) if run.upload_id else None
    if upload is None:
        _fail(run_id, GONE)
        return
    data, started = upload.data, run.created_at
    options = ParseOptions(**(run.options or {}))
    db.session.expunge_all()  # the upload's bytes are ours now; keep the session light
    try:
        info = inspect_file(data, options)
        report = import_file(data, options, info=info, commit_every=BATCH, now=started,
                             copy_batch=max(BATCH, min(PROGRESS_EVERY, info.data_rows // 10)),
                             on_commit=lambda r: _progress(run_id, r))
        _progress(run_id, report, done=True)
        db.session.execute(delete(ImportUpload).where(ImportUpload.id == upload.id))
        db.session.commit()
    except ImportFileError as exc:
        db.session.rollback()
        _fail(run_id, str(exc))
    except BaseException:
        db.session.rollback()
        _fail(run_id, WORKER_DIED)
        raise


def _progress(run_id: int, report: ImportReport, done: bool = False) -> None:
    """Write the run's counts (in the transaction of the rows they count)."""
    values = dict(rows_read=report.rows_read, imported=report.imported,
                  duplicates=report.duplicates, rejected=report.rejected,
                  skipped=report.skipped_total, updated_at=utcnow())
    if done:
        values.update(state="done", errors=[[line, reason] for line, reason
                                            in report.errors[:MAX_STORED_ERRORS]],
                      upload_id=None)
    db.session.execute(update(ImportRun).where(ImportRun.id == run_id).values(**values))


def _fail(run_id: int, reason: str) -> None:
    db.session.execute(update(ImportRun).where(ImportRun.id == run_id).values(
        state="failed", failure=reason[:500], updated_at=utcnow()))
    db.session.commit()


def sweep(now=None) -> tuple[int, int]:
    """Remove uploads older than 24 hours and fail runs whose worker died; flushes.

    Returns (uploads removed, runs marked failed).
    """
    now = now or utcnow()
    died = db.session.execute(
        update(ImportRun).where(ImportRun.state == "running",
                                ImportRun.updated_at < now - STALE_AFTER)
        .values(state="failed", failure=WORKER_DIED, updated_at=now)).rowcount
    never = db.session.execute(
        update(ImportRun).where(ImportRun.state == "queued",
                                ImportRun.updated_at < now - UPLOAD_MAX_AGE)
        .values(state="failed", failure=NEVER_STARTED,
                updated_at=now)).rowcount
    busy = select(ImportRun.upload_id).where(ImportRun.state.in_(ACTIVE),
                                             ImportRun.upload_id.is_not(None))
    removed = db.session.execute(
        delete(ImportUpload).where(ImportUpload.created_at < now - UPLOAD_MAX_AGE,
                                   ImportUpload.id.not_in(busy))).rowcount
    db.session.flush()
    return removed, died + never


def status(run: ImportRun, now=None) -> dict:
    """What the progress bar shows (the JSON status endpoint)."""
    now = now or utcnow()
    state, failure = run.state, run.failure
    if run.is_stale(now):
        state, failure = "failed", WORKER_DIED
    return {"id": run.id, "state": state, "failure": failure, "rows_total": run.rows_total,
            "rows_read": run.rows_read, "imported": run.imported,
            "duplicates": run.duplicates, "rejected": run.rejected, "skipped": run.skipped}
