"""``GET /api/`` lists the API's resources, each a link that answers, and the schema describes it."""

import pytest

from roadmaps.api_index import RESOURCES

pytestmark = pytest.mark.django_db


def test_the_api_index_lists_every_resource_with_an_absolute_url_and_needs_no_login(api_client):
    response = api_client.get("/api/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    index = response.json()
    assert set(index) == set(RESOURCES)
    assert index["roles"] == "http://testserver/api/roles/"
    assert index["roadmaps"] == "http://testserver/api/roadmaps/"
    assert index["schema"] == "http://testserver/api/schema/"


@pytest.mark.parametrize("name", ["me", "roles", "tracks", "skills", "roadmaps", "calendar", "schema", "docs"])
def test_every_readable_resource_in_the_index_answers_a_signed_in_get(learner_client, name):
    url = learner_client.get("/api/").json()[name]

    response = learner_client.get(url.removeprefix("http://testserver"))

    assert response.status_code == 200


@pytest.mark.parametrize("name", ["register", "token"])
def test_the_index_write_only_resources_answer_a_post(api_client, name):
    url = api_client.get("/api/").json()[name]

    response = api_client.post(url.removeprefix("http://testserver"), {}, format="json")

    assert response.status_code == 400  # the body is missing its fields: the endpoint is there


def test_the_schema_describes_the_index_and_each_of_its_links(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/"]["get"]
    assert operation["operationId"] == "api_index"
    properties = schema["components"]["schemas"]["ApiIndex"]["properties"]
    assert set(properties) == set(RESOURCES)
    assert all(field["format"] == "uri" and field["description"] for field in properties.values())
