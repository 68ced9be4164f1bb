"""The API's request parser.

Its own module: DRF imports the parser classes while it is still defining
``APIView``, so this must not import anything that imports DRF's views.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested too deep for the decoder is bad input, not a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(_("JSON parse error - the body is nested too deeply.")) from error
