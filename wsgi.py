"""gunicorn entry point: `gunicorn wsgi:app` (AMBASSADOR_ENV, default production)."""

import os

from ambassador import create_app

os.environ.setdefault("AMBASSADOR_ENV", "production")
app = create_app()
