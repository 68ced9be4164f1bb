"""English and French: the profile's language, set at sign-up, switched on every page,
and followed by pages, API errors and mails (whatever language the request came in)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from accounts.models import Profile
from roadmaps.calendar import services as calendar_services
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory
from tests.roadmaps.calendar.data import roadmap_with_tasks

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


@pytest.fixture(autouse=True)
def back_to_english():
    """Requests activate a language in this thread; each test starts and ends in English."""
    translation.activate("en")
    yield
    translation.activate("en")


def french_learner(**fields):
    return UserFactory(profile__language="fr", **fields)


def page_client(user=None, **headers) -> Client:
    client = Client(**headers)
    if user is not None:
        client.force_login(user)
    return client


# --- Sign-up takes the language of the request -----------------------------------------------


def test_api_sign_up_with_a_french_accept_language_makes_a_french_profile(api_client):
    body = {"email": "amelie@example.org", "password": PASSWORD, "timezone": "Europe/Paris"}

    response = api_client.post("/api/auth/register/", body, format="json", **FRENCH)

    assert response.status_code == 201
    assert Profile.objects.get(user__email="amelie@example.org").language == "fr"


def test_api_sign_up_in_any_other_language_makes_an_english_profile(api_client):
    for email, headers in [
        ("a@example.org", ENGLISH),
        ("b@example.org", {"HTTP_ACCEPT_LANGUAGE": "de"}),
        ("c@example.org", {}),
    ]:
        body = {"email": email, "password": PASSWORD}
        assert api_client.post("/api/auth/register/", body, format="json", **headers).status_code == 201
        assert Profile.objects.get(user__email=email).language == "en"


def test_page_sign_up_with_a_french_browser_makes_a_french_profile_and_mails_in_french():
    client = page_client(**FRENCH)
    body = {"email": "amelie@example.org", "password": PASSWORD, "timezone": "UTC"}

    response = client.post("/signup/", body)

    assert response.status_code == 302
    assert Profile.objects.get(user__email="amelie@example.org").language == "fr"
    (verification,) = mail.outbox
    assert verification.subject == "Confirmez votre adresse e-mail pour Roadmap Planner"
    assert "Pour la confirmer, ouvrez ce lien" in verification.body


# --- Pages ----------------------------------------------------------------------------------


def test_an_anonymous_visitor_gets_the_language_of_the_browser():
    french = page_client(**FRENCH).get("/login/")
    english = page_client(**ENGLISH).get("/login/")

    assert '<html lang="fr">' in french.text
    assert "<h1>Se connecter</h1>" in french.text
    assert french["Content-Language"] == "fr"
    assert '<html lang="en">' in english.text
    assert "<h1>Log in</h1>" in english.text


def test_a_french_learner_gets_french_pages_whatever_the_browser_asks():
    client = page_client(french_learner(), **ENGLISH)

    response = client.get("/calendar/")

    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert "<h1>Votre feuille de route dans votre calendrier</h1>" in response.text
    assert ">Paramètres</a>" in response.text  # the header's navigation
    assert response["Content-Language"] == "fr"


def test_a_french_learner_s_error_pages_are_in_french_too():
    client = page_client(french_learner(), **ENGLISH)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert '<h1 id="error-heading">Page introuvable</h1>' in response.text


def test_an_english_learner_gets_english_pages_from_a_french_browser():
    client = page_client(UserFactory(), **FRENCH)

    response = client.get("/calendar/")

    assert "<h1>Your roadmap in your calendar</h1>" in response.text


def test_every_page_has_the_language_switch_with_the_current_language_selected():
    response = page_client(**FRENCH).get("/password-reset/")

    assert '<form method="post" action="/language/" class="language-switch">' in response.text
    assert '<input type="hidden" name="next" value="/password-reset/">' in response.text
    assert '<option value="fr" lang="fr" selected>Français</option>' in response.text
    assert '<option value="en" lang="en">English</option>' in response.text


def test_the_switch_gives_an_anonymous_visitor_the_chosen_language_with_a_cookie():
    client = page_client(**ENGLISH)

    response = client.post("/language/", {"language": "fr", "next": "/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.cookies["django_language"].value == "fr"
    assert "<h1>Se connecter</h1>" in client.get("/login/").text


def test_the_switch_saves_a_learner_s_language_in_the_profile():
    learner = UserFactory()
    client = page_client(learner, **ENGLISH)

    response = client.post("/language/", {"language": "fr", "next": "/calendar/"})

    assert response["Location"] == "/calendar/"
    learner.profile.refresh_from_db()
    assert learner.profile.language == "fr"
    # A new session (another browser, no cookie) still gets French: the profile says so.
    assert "<h1>Votre feuille de route dans votre calendrier</h1>" in page_client(learner).get("/calendar/").text

    client.post("/language/", {"language": "en", "next": "/calendar/"})

    learner.profile.refresh_from_db()
    assert learner.profile.language == "en"
    assert "<h1>Your roadmap in your calendar</h1>" in client.get("/calendar/").text


def test_the_switch_ignores_a_language_the_site_does_not_offer():
    learner = french_learner()
    client = page_client(learner)

    response = client.post("/language/", {"language": "de", "next": "/calendar/"})

    assert response.status_code == 302
    assert "django_language" not in response.cookies
    learner.profile.refresh_from_db()
    assert learner.profile.language == "fr"


def test_the_switch_does_not_send_anyone_to_another_site():
    response = page_client().post("/language/", {"language": "fr", "next": "https://evil.example.com/"})

    assert response["Location"] == "/"


# --- API ------------------------------------------------------------------------------------


def test_the_profile_shows_and_changes_its_language():
    learner = UserFactory()
    client = client_for(learner)

    assert client.get("/api/me/").json()["language"] == "en"
    response = client.patch("/api/me/", {"language": "fr"}, format="json")

    assert response.status_code == 200
    assert response.json()["language"] == "fr"
    learner.profile.refresh_from_db()
    assert learner.profile.language == "fr"


def test_a_language_the_site_does_not_offer_is_refused_by_name():
    learner = french_learner()

    response = client_for(learner).patch("/api/me/", {"language": "de"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["language"]
    learner.profile.refresh_from_db()
    assert learner.profile.language == "fr"


def test_a_french_learner_gets_api_errors_in_french_ours_and_django_rest_framework_s():
    client = client_for(french_learner())

    response = client.patch("/api/me/", {"timezone": "Mars/Olympus", "weekly_hours": 99}, format="json", **ENGLISH)

    assert response.status_code == 400
    assert response["Content-Language"] == "fr"
    assert response.json() == {
        "timezone": ["« Mars/Olympus » n'est pas un fuseau horaire IANA connu, par exemple « Europe/Paris »."],
        "weekly_hours": ["Assurez-vous que cette valeur est inférieure ou égale à 60."],
    }


def test_an_english_learner_gets_api_errors_in_english():
    response = client_for(UserFactory()).patch("/api/me/", {"timezone": "Mars/Olympus"}, format="json", **FRENCH)

    assert response.json() == {"timezone": ["'Mars/Olympus' is not a known IANA time zone, e.g. 'Europe/Paris'."]}


def test_the_pages_own_api_calls_with_the_session_answer_in_the_learner_s_language():
    client = page_client(french_learner(), **ENGLISH)

    response = client.patch("/api/me/", {"weekly_hours": 99}, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"weekly_hours": ["Assurez-vous que cette valeur est inférieure ou égale à 60."]}


def test_calls_without_a_token_follow_accept_language(api_client):
    body = {"email": "nobody@example.org", "password": "wrong password"}

    french = api_client.post("/api/auth/token/", body, format="json", **FRENCH)
    english = api_client.post("/api/auth/token/", body, format="json", **ENGLISH)

    assert french.json() == {"non_field_errors": ["L'adresse e-mail ou le mot de passe est incorrect."]}
    assert english.json() == {"non_field_errors": ["E-mail or password is wrong."]}


def test_reading_the_language_with_the_token_costs_no_query(django_assert_num_queries):
    client = client_for(french_learner())
    client.get("/api/me/")  # the token's expiry refresh happens once, here

    # The token with its user and profile joined (one query, as many as the token with its user
    # took before), then the profile the view answers with and its known skills.
    with django_assert_num_queries(3):
        response = client.get("/api/me/")

    assert response["Content-Language"] == "fr"


# --- Mails: the recipient's language, not the request's ------------------------------------------


def test_a_password_reset_asked_in_english_is_mailed_in_the_learner_s_french(api_client):
    learner = french_learner()

    response = api_client.post("/api/auth/password-reset/", {"email": learner.email}, format="json", **ENGLISH)

    assert response.status_code == 202
    (message,) = mail.outbox
    assert message.subject == "Réinitialisez votre mot de passe Roadmap Planner"
    assert "Pour choisir un nouveau mot de passe, ouvrez ce lien :" in message.body


def test_the_reset_page_mails_in_the_recipient_s_language():
    learner = UserFactory()

    page_client(**FRENCH).post("/password-reset/", {"email": learner.email})

    (message,) = mail.outbox
    assert message.subject == "Reset your Roadmap Planner password"


def test_the_calendar_export_is_mailed_in_the_learner_s_french(mailoutbox):
    learner = french_learner()
    plan = roadmap_with_tasks(learner, tasks=4)
    export = calendar_services.export_request(user=learner, roadmap=plan.roadmap)

    assert calendar_services.export_send(export_id=str(export.id), now=timezone.now())

    (message,) = mailoutbox
    assert message.subject == "Le calendrier de votre feuille de route Ml Engineer"
    assert "4 tâches du 2 novembre 2026 au" in message.body
    assert '<html lang="fr">' in message.alternatives[0][0]
