"""API error shapes: every refusal is a JSON body with a 4xx status, and the schema says which.

- Django's own validation errors become 400s naming the field.
- A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 (and JSON nested too deep
  to decode a 400, in ``config.parsers``): neither may reach the 500 handler.
- Under ``/api/`` even the URL resolver's 404 and the last-resort 500 answer in
  JSON, so clients never have to parse an HTML error page; elsewhere the 400,
  403, 404 and 500 pages are the site's own, with its layout and a way back.
- ``ErrorResponsesSchema`` documents the 400/401/404/413/429 answers each
  operation can give, derived from the view's configuration, so a new endpoint
  is documented like the others without anyone remembering to.
"""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler

from accounts import languages

API_PREFIX = "/api/"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    return exception_handler(exc, context)


# --- Error pages: JSON under /api/, the site's own styled pages elsewhere ---------------

ERROR_TITLES = {
    400: _("That request did not work"),
    403: _("You cannot open this page"),
    404: _("Page not found"),
    500: _("Something went wrong"),
}


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _api_error(status: int) -> JsonResponse:
    details = {400: _("Bad request."), 403: _("Forbidden."), 404: _("Not found."), 500: _("Server error.")}
    return JsonResponse({"detail": details[status]}, status=status)


def _error_page(request, status: int) -> HttpResponse:
    # A 404 (no view was found) or a refused form comes before the language middleware's turn.
    languages.activate_for_request(request)
    context = {"error_code": status, "error_title": ERROR_TITLES[status]}
    return render(request, f"{status}.html", context, status=status)


def bad_request(request, exception):
    return _api_error(400) if is_api_request(request) else _error_page(request, 400)


def permission_denied(request, exception):
    return _api_error(403) if is_api_request(request) else _error_page(request, 403)


def page_not_found(request, exception):
    return _api_error(404) if is_api_request(request) else _error_page(request, 404)


def csrf_failure(request, reason=""):
    """An expired or cookieless form post: the styled 403 page that says what to do."""
    if is_api_request(request):
        return _api_error(403)
    languages.activate_for_request(request)
    context = {"error_code": 403, "error_title": _("This form has expired")}
    return render(request, "403_csrf.html", context, status=403)


def server_error(request):
    if is_api_request(request):
        return _api_error(500)
    # No request context: the session, the database or a context processor may be what failed.
    try:
        body = loader.get_template("500.html").render({"error_code": 500, "error_title": ERROR_TITLES[500]})
    except Exception:  # the last resort must not fail in turn
        return HttpResponseServerError(PLAIN_500)
    return HttpResponse(body, status=500)


PLAIN_500 = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong</title></head>'
    '<body><main><h1>Something went wrong</h1><p>Try again in a minute.</p><p><a href="/">Home page</a></p>'
    "</main></body></html>"
)


# --- The schema's error responses ------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")


VALIDATION_ERRORS = {
    "type": "object",
    "additionalProperties": {},
    "description": (
        'Each bad field with its problems: {"field": ["message", ...]}; a body that is not JSON gets {"detail": "..."}.'
    ),
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}}


class ErrorResponsesSchema(AutoSchema):
    """drf-spectacular's schema, plus the error answers the view's own configuration implies."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, (body, description) in self.error_responses().items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(body, str(code), direction=direction)
                responses[str(code)]["description"] = description
        if "429" in responses:
            responses["429"].setdefault("headers", {}).update(RETRY_AFTER)
        return responses

    def _get_request_body(self, direction="request"):
        # drf-spectacular documents bodies for PUT, PATCH and POST only; a DELETE that reads one
        # (``DELETE /api/me/`` with the password) names its serializer in ``delete_body_serializer``.
        if self.reads_delete_body():
            self.method = "POST"  # what spectacular needs to see to document a body
            self.documenting_delete_body = True
            try:
                return super()._get_request_body(direction)
            finally:
                self.method, self.documenting_delete_body = "DELETE", False
        return super()._get_request_body(direction)

    def get_request_serializer(self):
        if self.reads_delete_body() or getattr(self, "documenting_delete_body", False):
            return self.view.delete_body_serializer
        return super().get_request_serializer()

    def reads_delete_body(self) -> bool:
        return self.method == "DELETE" and getattr(self.view, "delete_body_serializer", None) is not None

    def error_responses(self) -> dict:
        errors = {}
        reads_body = self.method in ("POST", "PUT", "PATCH") or self.reads_delete_body()
        if reads_body and self.get_request_serializer() is not None:
            errors[400] = (VALIDATION_ERRORS, "Bad input; nothing was changed.")
            errors[413] = (ErrorDetailSerializer, "The request body is over the size limit.")
        if getattr(self.view, "authentication_classes", ()):
            errors[401] = (ErrorDetailSerializer, "No credentials, or credentials that are not valid.")
        if "{" in self.path or self.is_paginated_list():
            errors[404] = (ErrorDetailSerializer, "No such object for this user, or no such page.")
        if self.is_paginated_list():
            errors[400] = (VALIDATION_ERRORS, "A query parameter the list does not know.")
        if getattr(self.view, "throttle_classes", ()):
            errors[429] = (ErrorDetailSerializer, "Too many requests; see Retry-After.")
        return errors

    def is_paginated_list(self) -> bool:
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None
