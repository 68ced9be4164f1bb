"""The published OpenAPI schema describes every path of the public contract."""

import pytest

pytestmark = pytest.mark.django_db

CONTRACT_PATHS = {
    "/api/auth/register/": {"post"},
    "/api/auth/token/": {"post"},
    "/api/me/": {"get", "patch"},
    "/api/roles/": {"get"},
    "/api/roles/{slug}/": {"get"},
    "/api/tracks/": {"get"},
    "/api/tracks/{slug}/": {"get"},
    "/api/skills/": {"get"},
    "/api/roadmaps/": {"get", "post"},
    "/api/roadmaps/{id}/": {"get", "delete"},
    "/api/roadmaps/{id}/tasks/": {"get"},
    "/api/tasks/{id}/": {"patch"},
    "/api/roadmaps/{id}/replan/": {"post"},
    "/api/roadmaps/{id}/progress/": {"get"},
    "/api/roadmaps/{id}/calendar.ics": {"get"},
    "/api/roadmaps/{id}/export/": {"post"},
    "/api/calendar/": {"get", "delete"},
    "/api/calendar/rotate/": {"post"},
}


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def normalized(path: str) -> str:
    return path.replace("{pk}", "{id}")


def test_the_schema_describes_every_contract_path_and_method(schema):
    paths = {normalized(path): {m for m in methods if m != "parameters"} for path, methods in schema["paths"].items()}

    missing = {
        path: methods - paths.get(path, set())
        for path, methods in CONTRACT_PATHS.items()
        if methods - paths.get(path, set())
    }
    assert missing == {}


def test_the_interactive_docs_page_is_served_without_a_cdn(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def described_fields(schema: dict):
    for component, definition in schema["components"]["schemas"].items():
        for field, spec in definition.get("properties", {}).items():
            yield f"{component}.{field}", spec.get("description", "")


def test_every_field_of_every_schema_component_has_a_description(schema):
    undescribed = sorted(name for name, description in described_fields(schema) if not description.strip())

    assert undescribed == []


def test_study_days_are_described_as_iso_weekday_numbers_wherever_they_appear(schema):
    study_days = {name: text for name, text in described_fields(schema) if name.endswith(".study_days")}

    assert {"Profile.study_days", "RoadmapCreateRequest.study_days", "Roadmap.study_days"} <= set(study_days)
    assert all("ISO weekday" in text and "1 = Monday" in text for text in study_days.values()), study_days


def test_the_start_date_window_is_in_the_schema(schema):
    description = dict(described_fields(schema))["RoadmapCreateRequest.start_date"]

    assert "days before" in description and "days after today" in description
    assert "time zone" in description
