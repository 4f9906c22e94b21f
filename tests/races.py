"""Real concurrent requests: several test clients, each in its own thread, let go at once.

On PostgreSQL the app is the test database's; on SQLite it is a database file (in-memory
SQLite is one connection shared by every session, so nothing could run side by side).
"""

import threading

from tests.conftest import PASSWORD


def login_client(app, email: str, password: str = PASSWORD):
    """A test client of `app`, logged in through the real form."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def at_once(*calls):
    """Run each call in its own thread, released together by a barrier; return their results."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [], errors
    return results
