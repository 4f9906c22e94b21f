"""gunicorn entry point: `gunicorn wsgi:app` (reads AMBASSADOR_ENV, default production)."""

import os

from ambassador import create_app

app = create_app(os.environ.get("AMBASSADOR_ENV", "production"))
