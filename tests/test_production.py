"""Production starts the way a deployment starts it: a fresh process, AMBASSADOR_ENV=production."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config import DEV_SECRET_KEY, SECRET_KEY_MESSAGE

ROOT = Path(__file__).resolve().parent.parent
GET_LOGIN = (
    "from wsgi import app\n"
    "response = app.test_client().get('/login')\n"
    "print(response.status_code, 'Log in' in response.get_data(as_text=True))\n"
)


def start(tmp_path, **env):
    """Import wsgi.py in a new Python process (as gunicorn does) and ask it for /login."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SECRET_KEY", "REDIS_URL", "BASE_URL", "TEST_DATABASE_URL")}
    clean.update(AMBASSADOR_ENV="production",
                 DATABASE_URL=f"sqlite:///{tmp_path / 'production.db'}", **env)
    return subprocess.run([sys.executable, "-c", GET_LOGIN], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=60)


def test_a_random_secret_key_starts_production_and_serves_the_login_page(tmp_path):
    result = start(tmp_path, SECRET_KEY=secrets.token_hex(32))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "True"]


@pytest.mark.parametrize("key", [None, "", DEV_SECRET_KEY, "short-key"])
def test_production_refuses_a_missing_or_development_key_in_one_line(tmp_path, key):
    result = start(tmp_path, **({} if key is None else {"SECRET_KEY": key}))
    assert result.returncode == 1
    assert result.stderr.strip() == SECRET_KEY_MESSAGE
    assert result.stdout == ""


def _gunicorn_conf():
    import runpy

    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_several_workers_without_redis_get_one_warning_line():
    warning = _gunicorn_conf()["redis_warning"]
    message = warning(4, {"AMBASSADOR_ENV": "production"})
    assert "REDIS_URL is not set" in message and "4 workers" in message
    assert "\n" not in message
    assert warning(4, {}) == message  # wsgi.py defaults to production
    assert warning(1, {"AMBASSADOR_ENV": "production"}) is None
    assert warning(4, {"AMBASSADOR_ENV": "production", "REDIS_URL": "redis://r:6379/0"}) is None
    assert warning(4, {"AMBASSADOR_ENV": "development"}) is None


def test_readme_production_start_is_the_block_ci_runs():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- production-start -->", 1)[1].split("```sh\n", 1)[1]
    block = block.split("```", 1)[0]
    assert block.splitlines() == [".venv/bin/flask --app ambassador db upgrade",
                                  ".venv/bin/gunicorn wsgi:app"]
    assert "<!-- production-start -->" in (ROOT / ".ci" / "production").read_text()
    assert ".ci/production" in (ROOT / ".ci" / "run").read_text()
