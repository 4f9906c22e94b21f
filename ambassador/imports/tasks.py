"""The importer's background jobs: web imports, and the sweep of old uploads."""

from ambassador.imports.runs import run_import, sweep
from ambassador.jobs import every_minutes, periodic, task


@task
def import_upload(run_id: int) -> None:
    """Import a queued web upload (the run page shows its progress)."""
    run_import(run_id)


@periodic(every_minutes(10))
def sweep_uploads() -> None:
    """Remove uploads older than 24 hours; mark imports whose worker died as failed."""
    sweep()
