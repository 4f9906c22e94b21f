"""`nps score` and `nps export` (the `nps import` command lives in import_cli.py)."""

from flask.cli import AppGroup

nps_cli = AppGroup("nps", help="NPS responses: import, export, score.")
