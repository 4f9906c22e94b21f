"""Driving the import pages like a browser: upload, read the preview form, submit it."""

import io
from html.parser import HTMLParser

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from ambassador.extensions import db


class _FormReader(HTMLParser):
    """The values a browser would submit from the page's POST form (selects, radios, inputs)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = None
        self._first = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "select":
            self._select, self._first = a["name"], None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self.values[self._select] = a.get("value", "")
        elif tag == "input" and a.get("name"):
            if a.get("type") == "radio":
                if "checked" in a:
                    self.values[a["name"]] = a["value"]
            elif a.get("type") != "file":
                self.values[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self.values.setdefault(self._select, self._first or "")
            self._select = None

def form_values(html: str, **changes) -> dict:
    reader = _FormReader()
    reader.feed(html)
    return {**reader.values, **changes}

def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def upload(client, data: bytes, filename="responses.csv"):
    # Encoded here, in memory: the test client spools large bodies to a file it never closes.
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(data), filename=filename, content_type="text/csv")})
    return client.post("/import/", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")

def preview_of(client, data: bytes, filename="responses.csv"):
    """Upload `data`; return (preview url, preview page html)."""
    response = upload(client, data, filename)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    url = response.headers["Location"]
    page = client.get(url)
    assert page.status_code == 200
    return url, page.get_data(as_text=True)

def submit(client, url, html, action="import", **changes):
    return client.post(url, data=form_values(html, action=action, **changes))
