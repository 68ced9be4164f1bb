"""Time zones in forms: common ones first, then by region; names that are not places are refused."""

import re
import zoneinfo

import pytest

from accounts import timezones
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_PLACES = ["Factory", "localtime", "posixrules"]


def timezone_select(html: str) -> str:
    return re.search(r'<select name="timezone".*?</select>', html, re.S).group(0)


def test_the_sign_up_select_starts_with_the_common_zones_then_groups_by_region(client):
    select = timezone_select(client.get("/signup/").content.decode())

    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups[0] == "Common"
    assert groups[1:] == sorted(groups[1:])
    assert {"Africa", "America", "Asia", "Europe", "Pacific"} <= set(groups)
    common = re.search(r'<optgroup label="Common">(.*?)</optgroup>', select, re.S).group(1)
    assert re.findall(r'value="([^"]+)"', common)[:3] == ["UTC", "Europe/London", "Europe/Paris"]
    assert '<option value="America/New_York">New York</option>' in select
    assert '<option value="America/Argentina/Buenos_Aires">Argentina / Buenos Aires</option>' in select


def test_the_select_offers_no_name_that_is_not_a_place_and_no_old_alias(client):
    values = set(re.findall(r'value="([^"]+)"', timezone_select(client.get("/signup/").content.decode())))

    assert not values & {*NOT_PLACES, "US/Eastern", "GB", "Etc/GMT+5"}
    assert all(timezones.is_valid_zone(value) for value in values)


def test_the_select_is_much_smaller_than_the_raw_list_of_every_zone(client):
    select = timezone_select(client.get("/signup/").content.decode())

    assert select.count("<option") < 0.75 * len(zoneinfo.available_timezones())
    assert len(select.encode()) < 24_000  # the raw list of ~600 names was 35 KB


@pytest.mark.parametrize("name", NOT_PLACES)
def test_sign_up_refuses_a_zone_that_is_not_a_place(client, name):
    body = {"email": "new@example.com", "password": "a-Long-passphrase-42", "timezone": name}

    response = client.post("/signup/", body)

    assert response.status_code == 400
    assert b"Select a valid choice" in response.content


@pytest.mark.parametrize("name", NOT_PLACES)
def test_the_api_refuses_a_zone_that_is_not_a_place(learner_client, name):
    response = learner_client.patch("/api/me/", {"timezone": name}, format="json")

    assert response.status_code == 400
    assert "timezone" in response.json()


def test_an_old_alias_stays_valid_and_shows_selected_on_the_settings_page(client):
    learner = UserFactory(profile__timezone="US/Eastern")
    client.force_login(learner)

    select = timezone_select(client.get("/settings/").content.decode())

    assert '<option value="US/Eastern" selected>US/Eastern</option>' in select
    assert select.count(" selected") == 1
