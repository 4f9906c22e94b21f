"""The OpenAPI document is valid and agrees with what the API really accepts and answers."""

import json

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ambassador.auth.tokens import create_api_token
from ambassador.extensions import db

URL = "/api/v1/responses"
OPERATION = "/paths/~1api~1v1~1responses/post"
GOOD = {"email": "a@example.com", "score": 9}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def schema_at(document, pointer):
    """A validator for the schema at a JSON pointer in the document ($refs resolved)."""
    base = "urn:ambassador:openapi"
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    return Draft202012Validator({"$ref": f"{base}#{pointer}"},
                                registry=Registry().with_resource(base, resource))


def request_schema(document):
    return schema_at(document, OPERATION + "/requestBody/content/application~1json/schema")


def check_answer(document, response):
    """The status is documented for the operation and the JSON body matches its schema."""
    status = str(response.status_code)
    assert status in document["paths"]["/api/v1/responses"]["post"]["responses"], status
    assert response.mimetype == "application/json"
    pointer = f"{OPERATION}/responses/{status}/content/application~1json/schema"
    schema_at(document, pointer).validate(response.get_json())
    return response.get_json()


@pytest.fixture
def send(client):
    """send(body, token=True, raw=False, content_type=...) -> the real response."""
    _, secret = create_api_token("OpenAPI test")
    db.session.commit()

    def post(body, token=True, raw=False, content_type="application/json"):
        headers = {"Authorization": f"Bearer {secret}"} if token else {}
        data = body if raw else json.dumps(body)
        return client.post(URL, data=data, headers=headers, content_type=content_type)

    return post


def test_document_is_valid_openapi(document, app):
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": app.config["BASE_URL"]}]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "An API token created by an admin."}
    body = document["paths"]["/api/v1/responses"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["oneOf"][1]["maxItems"] == 1000


def test_document_is_public_and_cacheable(client):
    response = client.get("/api/v1/openapi.json")
    assert "max-age" in response.headers["Cache-Control"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_examples_in_the_document_are_accepted(document, send):
    content = document["paths"]["/api/v1/responses"]["post"]["requestBody"]["content"]
    for example in content["application/json"]["examples"].values():
        request_schema(document).validate(example["value"])
        assert send(example["value"]).status_code in (200, 201)


GOOD_BODIES = [
    GOOD,
    [GOOD, {"email": "b@example.com", "score": "10"}],
    {"email": "c@example.com", "score": 0, "responded_at": "2026-03-01"},
    {"email": "d@example.com", "score": 7, "responded_at": "2026-03-01T10:00:00+03:00",
     "comment": "Très bien", "name": "Şule Öztürk", "company": None, "external_id": 42,
     "touchpoint": "transactional", "contact_ref": "crm-1", "language": "fr-FR"},
    {"email": "e@example.com", "score": 8.0, "touchpoint": "", "responded_at": None},
]


@pytest.mark.parametrize("body", GOOD_BODIES)
def test_good_bodies_match_the_schema_and_are_stored(document, send, body):
    request_schema(document).validate(body)
    response = send(body)
    assert response.status_code == 201
    answer = check_answer(document, response)
    assert answer["created"] == (len(body) if isinstance(body, list) else 1)
    items = body if isinstance(body, list) else [body]
    again = send(body)  # without a date or an id, "now" differs: a retry may be new
    if all(item.get("responded_at") or item.get("external_id") for item in items):
        assert again.status_code == 200
    check_answer(document, again)


# Bodies the schema itself refuses: the API must refuse them too, with a documented answer.
BAD_BODIES = [
    None, 42, "text", [], [1], {},
    {"email": "a@example.com"},
    {"score": 9},
    {"email": "a@example.com", "score": 9.5},
    {"email": "a@example.com", "score": True},
    {"email": "a@example.com", "score": -1},
    {"email": "a@example.com", "score": 11},
    {"email": "a@example.com", "score": "abc"},
    {"email": "a@example.com", "score": None},
    {"email": "a@example.com", "score": 9, "scroe": 9},
    {"email": "a@example.com", "score": 9, "responded_at": "24/11/2026"},
    {"email": "a@example.com", "score": 9, "responded_at": 1764000000},
    {"email": "a@example.com", "score": 9, "touchpoint": "other"},
    {"email": "a@example.com", "score": 9, "name": "x" * 256},
    {"email": "a@example.com", "score": 9, "language": "x" * 36},
    {"email": "a@example.com", "score": 9, "comment": "x" * 10_001},
    {"email": "a@example.com", "score": 9, "comment": {"text": "nested"}},
    {"email": "a@example.com", "score": 9, "external_id": 2**64},
    {"email": "x" * 255, "score": 9},
    [GOOD] * 1001,
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_bad_bodies_fail_the_schema_and_the_api(document, send, body):
    assert not request_schema(document).is_valid(body)
    response = send(body)
    assert response.status_code in (400, 413)
    check_answer(document, response)


# Bodies that pass the schema but break a rule it cannot express; stated in descriptions.
@pytest.mark.parametrize("body", [
    {"email": "not-an-email", "score": 9},
    {"email": "a@example.com", "score": 9, "responded_at": "2026-02-30"},
    {"email": "a@example.com", "score": 9, "responded_at": "2099-01-01"},
])
def test_rules_beyond_the_schema_answer_a_documented_400(document, send, body):
    response = send(body)
    assert response.status_code == 400
    assert check_answer(document, response)["errors"]


@pytest.mark.parametrize("raw, content_type, token", [
    (b"{", "application/json", True),
    (b"\xff\xfe", "application/json", True),
    (b"[" * 50_000, "application/json", True),
    (json.dumps(GOOD).encode(), "text/plain", True),
    (json.dumps(GOOD).encode(), "application/json", False),
    (json.dumps({"comment": "x" * 3_000_000}).encode(), "application/json", True),
])
def test_refusals_are_documented(document, send, raw, content_type, token):
    response = send(raw, token=token, raw=True, content_type=content_type)
    assert response.status_code in (400, 401, 413, 415)
    check_answer(document, response)
    if response.status_code == 401:
        header = document["paths"]["/api/v1/responses"]["post"]["responses"]["401"]["headers"]
        assert "WWW-Authenticate" in header and "WWW-Authenticate" in response.headers


def test_the_api_enforces_the_schema_the_document_serves(client, send, monkeypatch):
    """One description: a rule changed in the schema changes the document and the API."""
    from ambassador.api.schema import ITEM_SCHEMA

    monkeypatch.setitem(ITEM_SCHEMA["properties"]["name"], "maxLength", 5)
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["components"]["schemas"]["ResponseItem"]["properties"]["name"][
        "maxLength"] == 5
    response = send({"email": "a@example.com", "score": 9, "name": "Şule Ö"})
    assert response.status_code == 400
    assert response.get_json()["errors"] == [
        {"index": 0, "field": "name", "message": "name is too long (6 characters, max 5)"}]
    assert send({"email": "a@example.com", "score": 9, "name": "Şule"}).status_code == 201
