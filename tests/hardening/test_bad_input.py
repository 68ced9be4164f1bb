"""Bad input of every kind gets a clear 400/404/413 naming what is wrong, and nothing is stored.

The operations and their fields come from the published schema, so a new
endpoint or field is held to the same rules without being listed here. Each
test sends many bad inputs to one world and reports every one that was
answered wrongly, each compared with the rows as they were just before it.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import User
from tests.conftest import clear_our_cache
from tests.hardening.conftest import (
    body_operations,
    fill,
    label,
    object_operations,
    path_parameters_for,
    stored_state,
    valid_body,
)

pytestmark = pytest.mark.django_db

BODY_OPERATIONS = body_operations()
BODY_IDS = [label(method, path) for method, path, _ in BODY_OPERATIONS]


@pytest.fixture
def owner(world):
    client = world.owner_client
    # A 500 must come back as a response to assert on, not as an exception in the test.
    client.raise_request_exception = False
    return client


def send(client, method: str, path: str, world, raw: str | bytes, content_type="application/json"):
    return client.generic(method, fill(path, path_parameters_for(path, world)), raw, content_type=content_type)


def misanswered(client, world, method: str, path: str, bodies: dict, *, status=400, field=None) -> dict:
    """Send each body; return those not answered ``status`` in JSON (naming ``field``) or that stored anything."""
    wrong = {}
    for name, body in bodies.items():
        clear_our_cache()  # throttles (tests/hardening/test_throttling.py) are not what is checked here
        before = stored_state()
        raw = body if isinstance(body, str | bytes) else json.dumps(body)
        response = send(client, method, path, world, raw)
        is_json = response.get("Content-Type") == "application/json"
        named = field is None or (is_json and field in response.json())
        if response.status_code != status or not is_json or not named or stored_state() != before:
            wrong[name] = (response.status_code, response.content[:150])
    return wrong


# --- Bodies that are not what the endpoint reads -------------------------------------------

NOT_A_JSON_OBJECT = {
    "malformed": "{not json",
    "truncated": '{"status": "do',
    "a list": "[1, 2, 3]",
    "null": "null",
    "a string": '"done"',
    "a number": "42",
    "NaN": '{"weekly_hours": NaN}',
    "invalid UTF-8": b'{"name": "\xff\xfe"}',
    "nested 100k deep": "[" * 100_000 + "]" * 100_000,
    "a 5000-digit integer": '{"weekly_hours": 1' + "0" * 5000 + "}",
}


@pytest.mark.parametrize(("method", "path", "_"), BODY_OPERATIONS, ids=BODY_IDS)
def test_a_body_that_is_not_a_json_object_is_a_400_and_stores_nothing(owner, world, method, path, _):
    assert misanswered(owner, world, method, path, NOT_A_JSON_OBJECT) == {}


@pytest.mark.parametrize(("method", "path", "_"), BODY_OPERATIONS, ids=BODY_IDS)
def test_a_five_megabyte_body_is_a_413_and_stores_nothing(owner, world, method, path, _):
    body = {**(valid_body(method, path, world) or {}), "name": "x" * (5 * 1024 * 1024)}
    before = stored_state()

    response = send(owner, method, path, world, json.dumps(body))

    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}
    assert stored_state() == before


@pytest.mark.parametrize(("method", "path", "_"), BODY_OPERATIONS, ids=BODY_IDS)
def test_a_form_instead_of_json_is_a_415(owner, world, method, path, _):
    response = send(owner, method, path, world, "status=done", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert "detail" in response.json()


# --- Wrong types, field by field ------------------------------------------------------------

WRONG_TYPES = {
    "string": [["a", "list"], {"an": "object"}, True],
    "integer": ["ten", 1.5, [1], {"n": 1}, True],
    "number": ["ten", [1]],
    "boolean": ["maybe", [True], {"b": 1}, 2],
    "array": ["python,sql", {"0": 1}, 7],
    "object": ["x", [1]],
}


def writable_fields(body_schema: dict) -> dict[str, dict]:
    properties = body_schema.get("properties", {})
    return {name: field for name, field in properties.items() if not field.get("readOnly", False)}


def field_type(field: dict) -> str:
    """The JSON type of a field; enums (a $ref, or oneOf with a blank choice) are strings."""
    if "type" in field:
        return field["type"]
    return next((option["type"] for option in field.get("oneOf", []) if "type" in option), "string")


def wrong_values(field: dict) -> list:
    values = list(WRONG_TYPES[field_type(field)])
    return values if field.get("nullable", False) else [*values, None]


FIELDS = [
    (method, path, name, field)
    for method, path, body_schema in BODY_OPERATIONS
    for name, field in writable_fields(body_schema).items()
]
FIELD_IDS = [f"{label(m, p)}-{n}" for m, p, n, _ in FIELDS]


@pytest.mark.parametrize(("method", "path", "name", "field"), FIELDS, ids=FIELD_IDS)
def test_a_value_of_the_wrong_type_is_a_400_naming_the_field(owner, world, method, path, name, field):
    base = valid_body(method, path, world) or {}
    bodies = {json.dumps(value): {**base, name: value} for value in wrong_values(field)}

    assert misanswered(owner, world, method, path, bodies, field=name) == {}


def test_every_operation_with_a_body_has_its_fields_checked():
    assert {(m, p) for m, p, _, _ in FIELDS} == {(m, p) for m, p, _ in BODY_OPERATIONS}


def a_valid_item(items: dict):
    if items.get("format") == "date":
        return "2026-11-02"
    return {"integer": 1, "string": "python"}[items["type"]]


def test_a_ten_thousand_item_list_is_refused_in_every_list_field(owner, world):
    """Every list is bounded: slugs cost a query each, and no plan has 10k study days."""
    lists = [(m, p, name, field) for m, p, name, field in FIELDS if field_type(field) == "array"]
    wrong = {}
    for method, path, name, field in lists:
        body = {**(valid_body(method, path, world) or {}), name: [a_valid_item(field["items"])] * 10_000}
        wrong |= misanswered(owner, world, method, path, {f"{method} {path} {name}": body}, field=name)

    assert len(lists) >= 5
    assert wrong == {}


# --- Text: NUL, control characters, unpaired surrogates, very long strings -------------------

TEXT_THAT_IS_NEVER_VALID = {
    "NUL": "py\u0000thon",
    "only NUL": "\u0000",
    "an unpaired surrogate": "py\ud800thon",
    "10k characters": "x" * 10_000,
}
# Passwords are opaque secrets, so these are checked in every other text field only.
SINGLE_LINE_TEXT = {
    "a line break": "ml-\nengineer",
    "an escape sequence": "\u001b[2Jml",
    "a tab": "ml\tengineer",
}
TEXT_FIELDS = [(m, p, name) for m, p, name, field in FIELDS if field_type(field) == "string"]
# Free text written over several lines (a milestone's note): line breaks and tabs are text there.
MULTI_LINE_FIELDS = {"note"}


def odd_texts_for(name: str) -> dict[str, str]:
    if "password" in name:
        return TEXT_THAT_IS_NEVER_VALID
    if name in MULTI_LINE_FIELDS:
        return {**TEXT_THAT_IS_NEVER_VALID, "an escape sequence": SINGLE_LINE_TEXT["an escape sequence"]}
    return {**TEXT_THAT_IS_NEVER_VALID, **SINGLE_LINE_TEXT}


@pytest.mark.parametrize(("method", "path", "name"), TEXT_FIELDS, ids=[f"{label(m, p)}-{n}" for m, p, n in TEXT_FIELDS])
def test_odd_text_in_any_text_field_is_a_400_naming_it_and_stores_nothing(owner, world, method, path, name):
    base = valid_body(method, path, world) or {}
    bodies = {kind: {**base, name: text} for kind, text in odd_texts_for(name).items()}

    assert misanswered(owner, world, method, path, bodies, field=name) == {}


def test_odd_text_in_an_item_of_a_slug_list_is_a_400(owner, world):
    texts = {**TEXT_THAT_IS_NEVER_VALID, **SINGLE_LINE_TEXT}
    bodies = {kind: {"known_skills": ["python", text]} for kind, text in texts.items()}

    assert misanswered(owner, world, "PATCH", "/api/me/", bodies, field="known_skills") == {}


@pytest.mark.parametrize(
    "name",
    [
        "Ada 🚀 Lovelace",
        "שלום עולם",  # right-to-left text needs no control characters
        "Zoë Ñúñez-Łukasz",
        "x" * 150,
    ],
)
def test_a_name_in_any_script_round_trips_exactly(world, name):
    client = world.owner_client

    assert client.patch("/api/me/", {"name": name}, format="json").status_code == 200

    assert client.get("/api/me/").json()["name"] == name
    assert User.objects.get(pk=world.owner.pk).name == name


@pytest.mark.parametrize(
    "name",
    [
        "Mallory \u202eevil\u202c",  # a right-to-left override: "Mallory live" in an e-mail
        "שלום \u200fעולם",  # a right-to-left mark
        "Ada\u2066 Lovelace\u2069",  # an isolate
        "Grace\u200b",  # a zero-width space
        "\ufeffGrace",  # a byte-order mark
        "👩🏽\u200d💻 Grace",  # a zero-width joiner, even inside an emoji
    ],
)
def test_a_name_with_a_format_character_is_refused_in_the_api_and_the_forms(world, client, name):
    response = world.owner_client.patch("/api/me/", {"name": name}, format="json")
    body = {"email": "new@example.com", "password": "a-Long-passphrase-42", "name": name}
    signup = client.post("/api/auth/register/", body, content_type="application/json")
    page = client.post("/signup/", {**body, "email": "other@example.com", "timezone": "UTC"})

    assert response.status_code == 400
    assert "name" in response.json()
    assert User.objects.get(pk=world.owner.pk).name != name
    assert signup.status_code == 400
    assert "name" in signup.json()
    assert page.status_code == 400
    assert not User.objects.filter(email__in=["new@example.com", "other@example.com"]).exists()


def test_a_learner_can_sign_up_with_a_name_in_any_script(api_client):
    body = {"email": "zoe@example.com", "password": "a-Long-passphrase-42", "name": "Zoë 🚀 שלום"}

    response = api_client.post("/api/auth/register/", body, format="json")

    assert response.status_code == 201
    assert User.objects.get(email="zoe@example.com").name == "Zoë 🚀 שלום"


# --- Dates ------------------------------------------------------------------------------------

IMPOSSIBLE_DATES = ["2026-02-30", "2026-13-01", "2026-00-10", "10000-01-01", "0000-01-01", "2026-11-02T10:00", "soon"]
DATE_FIELDS = [
    ("POST", "/api/roadmaps/", "start_date"),
    ("POST", "/api/roadmaps/preview/", "start_date"),
    ("POST", "/api/roadmaps/{id}/replan/", "from_date"),
]


@pytest.mark.parametrize(("method", "path", "field"), DATE_FIELDS, ids=[f"{m} {p} {f}" for m, p, f in DATE_FIELDS])
def test_an_impossible_or_far_off_date_is_a_400_naming_the_field(owner, world, method, path, field):
    base = valid_body(method, path, world)
    bodies = {text: {**base, field: text} for text in [*IMPOSSIBLE_DATES, "0001-01-01", "9999-12-31"]}

    assert misanswered(owner, world, method, path, bodies, field=field) == {}


def test_every_date_field_of_the_schema_is_checked():
    date_fields = {(m, p, name) for m, p, name, field in FIELDS if field.get("format") == "date"}

    assert date_fields == set(DATE_FIELDS)


def test_an_impossible_blocked_date_is_a_400(owner, world):
    base = valid_body("POST", "/api/roadmaps/", world)
    bodies = {text: {**base, "blocked_dates": ["2026-11-03", text]} for text in IMPOSSIBLE_DATES}

    assert misanswered(owner, world, "POST", "/api/roadmaps/", bodies, field="blocked_dates") == {}


# --- Ids, slugs and pages in the URL ------------------------------------------------------------

ODD_IDS = ["99999999999999999999", "9223372036854775808", "-1", "0", "1.5", "1e3", "abc", "%00", "%F0%9F%9A%80"]
OBJECT_OPERATIONS = object_operations()


@pytest.mark.parametrize(("method", "path"), OBJECT_OPERATIONS, ids=[label(m, p) for m, p in OBJECT_OPERATIONS])
def test_an_odd_id_in_the_path_is_a_json_404_and_stores_nothing(owner, world, method, path):
    body = json.dumps(valid_body(method, path, world) or {})
    wrong = {}
    for odd in ODD_IDS:
        url = fill(path, dict.fromkeys(path_parameters_for(path, world), odd))
        before = stored_state()

        response = owner.generic(method, url, body, content_type="application/json")

        if (response.status_code, response.get("Content-Type")) != (404, "application/json"):
            wrong[odd] = (response.status_code, response.content[:150])
        elif stored_state() != before:
            wrong[odd] = "stored something"
    assert wrong == {}


@pytest.mark.parametrize("collection", ["/api/roles/", "/api/tracks/", "/api/skills/"])
def test_an_odd_catalog_slug_in_the_path_is_a_json_404(api_client, collection):
    api_client.raise_request_exception = False
    odd_slugs = ["a%00b", "%00", "x" * 10_000, "..%2F..%2Fetc", "%F0%9F%9A%80", "%ED%A0%80", "a%20b"]

    answers = {odd[:20]: api_client.get(f"{collection}{odd}/") for odd in odd_slugs}

    seen = {odd: (response.status_code, response["Content-Type"]) for odd, response in answers.items()}
    assert seen == dict.fromkeys(answers, (404, "application/json"))


def test_an_odd_page_number_is_a_json_404(owner):
    pages = ["0", "-1", "abc", "%00", "99999999999999999999", "1.5", "%ED%A0%80"]

    answers = {page: owner.get(f"/api/roadmaps/?page={page}") for page in pages}

    seen = {page: (response.status_code, response.json()) for page, response in answers.items()}
    assert seen == dict.fromkeys(pages, (404, {"detail": "Invalid page."}))


def test_an_unknown_api_path_is_a_json_404(owner):
    response = owner.get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


# --- The feed's token ----------------------------------------------------------------------------

ODD_TOKENS = {
    "NUL": "%00",
    "NUL inside": "abc%00def",
    "parent directories": "../../etc/passwd",
    "encoded parent directories": "..%2F..%2Fsettings",
    "very long": "x" * 20_000,
    "emoji": "%F0%9F%93%85",
    "right-to-left override": "%E2%80%AEabc",
    "invalid UTF-8": "%FF%FE",
    "an encoded surrogate": "%ED%A0%80",
    "spaces": "a%20b",
}


@pytest.mark.parametrize("conditional", [{}, {"HTTP_IF_NONE_MATCH": "*"}], ids=["plain", "if-none-match-star"])
def test_an_odd_feed_token_gets_the_bare_404_and_no_cookie(world, conditional):
    client = Client(raise_request_exception=False)
    before = stored_state()

    answers = {kind: client.get(f"/calendar/{token}.ics", **conditional) for kind, token in ODD_TOKENS.items()}

    seen = {kind: (r.status_code, r.content, "Set-Cookie" in r) for kind, r in answers.items()}
    assert seen == dict.fromkeys(ODD_TOKENS, (404, b"Not found.\n", False))
    assert stored_state() == before


# --- What the fuzz found, as plain regressions --------------------------------------------------


def test_a_nul_byte_in_a_track_slug_is_a_400_not_a_500(owner, world):
    """Found by schemathesis: PostgreSQL refuses NUL in text, and the slug went straight to a query."""
    body = {"track": "\u0014\u00b8\u00cd\u0000\uda00\ude74b", "start_date": "9031-06-16", "role": world.role_slug}

    response = send(owner, "POST", "/api/roadmaps/", world, json.dumps(body))

    assert response.status_code == 400
    assert set(response.json()) == {"track", "start_date"}


def test_a_nul_byte_in_a_catalog_path_is_a_404_not_a_500(api_client):
    api_client.raise_request_exception = False

    assert api_client.get("/api/roles/a%00b/").status_code == 404


def test_an_unpaired_surrogate_echoed_in_an_error_is_still_a_400(owner, world):
    """The error message quotes the bad slug; it must still encode as JSON."""
    response = send(owner, "PATCH", "/api/me/", world, '{"known_skills": ["\\ud800"]}')

    assert response.status_code == 400
    assert "known_skills" in response.json()
