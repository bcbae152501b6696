from rest_framework import exceptions, parsers

from .errors import InvalidJSON


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing every malformed body with one message of ours.

    DRF's own lets RecursionError through (a 500 for `[[[…]]]` 3,000 deep) and passes
    Python's messages on, internals included (`sys.set_int_max_str_digits`).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (exceptions.ParseError, RecursionError):
            raise InvalidJSON() from None
