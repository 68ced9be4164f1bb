"""A learner's public progress page: off by default, at a secret address when on."""

from django.conf import settings
from django.db import models

from roadmaps.models.calendar import digest_feed_token, new_feed_token


class Portfolio(models.Model):
    """One row per learner who has touched the setting.

    The page is public while ``token`` is set. Turning it off clears the token
    (the address answers 404 at once); turning it on draws a new 256-bit token, so
    an address once revoked never works again. As with the calendar feed, pages
    are looked up by the token's SHA-256.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio")
    token = models.CharField(max_length=64, blank=True)
    token_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Search engines may index the page only when the learner asks for it.
    discoverable = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Portfolio of {self.user}"

    @property
    def public(self) -> bool:
        return bool(self.token)

    def publish(self) -> None:
        self.token = new_feed_token()
        self.token_digest = digest_feed_token(self.token)

    def unpublish(self) -> None:
        self.token = ""
        self.token_digest = None
