"""The API reference in docs/api/ and the published schema (/api/schema/) cannot drift apart.

Every operation (method and path) the schema publishes has one section in
docs/api/*.md, headed exactly "### `METHOD /path/`", and every such heading names
an operation the schema still has. Each section names (in backticks) every field
of the operation's JSON body and of its JSON answer (for a list, of its items),
gives the error statuses the schema lists for it, and shows an example.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parent.parent / "docs" / "api"
METHODS = ("get", "post", "put", "patch", "delete")
HEADING = re.compile(r"^### `(GET|POST|PUT|PATCH|DELETE) (/\S*)`[ \t]*$", re.MULTILINE)
ANY_HEADING = re.compile(r"^#{1,3} ", re.MULTILINE)


def documented_sections() -> dict[tuple[str, str], list[str]]:
    """(METHOD, path) -> the text of each section with that heading, over docs/api/*.md."""
    sections: dict[tuple[str, str], list[str]] = {}
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text()
        for match in HEADING.finditer(text):
            following = ANY_HEADING.search(text, match.end())
            body = text[match.end() : following.start() if following else len(text)]
            sections.setdefault((match[1], match[2]), []).append(body)
    return sections


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict) -> dict[tuple[str, str], dict]:
    return {
        (method.upper(), path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def json_fields(schema: dict, content: dict | None) -> set[str]:
    """Top-level field names of a JSON body; for a paginated list, those of its items too."""
    media = (content or {}).get("application/json")
    if not media or "schema" not in media:
        return set()
    body = resolve(schema, media["schema"])
    if body.get("type") == "array":
        body = resolve(schema, body["items"])
    fields = set(body.get("properties", {}))
    results = body.get("properties", {}).get("results", {})
    if results.get("type") == "array":
        fields |= set(resolve(schema, results["items"]).get("properties", {}))
    return fields


def test_every_operation_in_the_schema_has_a_section_in_docs_api(schema):
    undocumented = sorted(set(operations(schema)) - set(documented_sections()))

    assert undocumented == [], "add a '### `METHOD /path/`' section to docs/api/<area>.md for each"


def test_every_section_in_docs_api_names_an_operation_the_schema_has(schema):
    stale = sorted(set(documented_sections()) - set(operations(schema)))

    assert stale == [], "these sections document operations that no longer exist"


def test_no_operation_is_documented_twice():
    twice = sorted(key for key, bodies in documented_sections().items() if len(bodies) > 1)

    assert twice == []


def test_each_section_names_every_field_of_its_body_and_answer(schema):
    sections = documented_sections()
    missing = {}
    for key, operation in operations(schema).items():
        if key not in sections:
            continue
        fields = json_fields(schema, operation.get("requestBody", {}).get("content"))
        for code, response in operation["responses"].items():
            if code.startswith("2"):
                fields |= json_fields(schema, response.get("content"))
        if absent := sorted(name for name in fields if f"`{name}`" not in sections[key][0]):
            missing[f"{key[0]} {key[1]}"] = absent

    assert missing == {}


def test_each_section_gives_its_error_statuses_and_an_example(schema):
    sections = documented_sections()
    problems = {}
    for key, operation in operations(schema).items():
        if key not in sections:
            continue
        text = sections[key][0]
        errors = sorted(code for code in operation["responses"] if code[0] == "4")
        absent = [code for code in errors if not re.search(rf"\b{code}\b", text)]
        if absent or "```" not in text:
            problems[f"{key[0]} {key[1]}"] = {"error statuses not given": absent, "example": "```" in text}

    assert problems == {}
