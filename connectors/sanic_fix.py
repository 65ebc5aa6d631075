"""A fix for Sanic 21.12 (the version Rasa 3.6 pins), applied by both servers at start.

Sanic reads `Content-Length` with `int()`, so `Content-Length: -1` passes, and the worker then
loops for ever trying to read minus one byte: one request stops the whole server (found by our
outsider probe); `Content-Length: abc` gets a 500. Here both are refused with 400 and the
connection closed, before any body is read.

Sanic recompiles `Http.http1_request_header` at start ("touch-up": it drops the dispatch of
signals nobody listens to, which would fail) with the globals of sanic.http. The original is
registered for the same treatment under a name of its own; the wrapper reaches it through the
class and raises an exception that sanic.http imports too."""
from __future__ import annotations

from sanic.exceptions import InvalidUsage
from sanic.http import Http
from sanic.touchup import TouchUp


async def _checked_request_header(self: Http) -> None:
    try:
        await type(self).sanic_http1_request_header(self)
        valid = not (self.request_body is True and self.request_bytes_left < 0)
    except ValueError:  # a Content-Length that is no number: Sanic answers 500
        valid = False
    if not valid:
        self.request_body = None  # nothing to read, nothing to drain afterwards
        self.keep_alive = False
        raise InvalidUsage("Bad Content-Length")


def refuse_bad_content_length() -> None:
    if not hasattr(Http, "sanic_http1_request_header"):
        Http.sanic_http1_request_header = Http.http1_request_header
        TouchUp.register(Http, "sanic_http1_request_header")
        Http.http1_request_header = _checked_request_header
