"""`python -m connectors.action_server`: rasa_sdk's action server, closed by default.

- It listens on loopback (`ACTION_HOST`, default 127.0.0.1) on `ACTION_PORT` (5055).
- With `ACTION_SERVER_TOKEN` set, every call but `GET /health` must carry
  `Authorization: Bearer <token>`, as the Rasa server sends it (endpoints.yml); others get 403.
  It refuses to listen beyond loopback without a token: a forged tracker could otherwise run
  any action, the status lookup included.
- Bodies over `ACTION_MAX_BODY_BYTES` (8 MB: a long conversation's tracker) are refused.
- The search indexes are built before it listens (`warm_up`).
- numpy's OpenBLAS works in this thread alone: its worker threads spin (sched_yield) after each
  call, and the search's small products gave them nothing to share; they cost 25 ms of CPU a
  turn (docs/benchmarks.md).
- Errors are logged masked and answered without echoing the request (rasa_sdk's own handler
  sends the whole tracker back and logs it)."""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported (see the docstring)

import ipaddress
import logging
import sys
import time

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import response

from bot.privacy import scrub_logs
from bot.secret import same
from connectors.sanic_fix import refuse_bad_content_length

log = logging.getLogger(__name__)
OPEN_PATHS = {"/health"}


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def build_app(token: str | None, max_body: int):  # noqa: ANN201
    app = create_app("actions", cors_origins=None)
    app.config.REQUEST_MAX_SIZE = max_body

    @app.middleware("request")
    async def require_token(request):  # noqa: ANN001, ANN202
        if token and request.path not in OPEN_PATHS:
            given = request.headers.get("authorization", "")
            if not same(given, f"Bearer {token}"):
                log.warning("refused a call to %s without the action server token", request.path)
                return response.json({"error": "forbidden"}, status=403)

    async def on_error(request, exception):  # noqa: ANN001, ANN202
        status = getattr(exception, "status_code", 500)
        if status >= 500:
            log.error("action server error on %s", request.path, exc_info=exception)
        return response.json({"error": type(exception).__name__}, status=status)

    app.error_handler.add(Exception, on_error)
    return app


def warm_up() -> None:
    """Build the search indexes before taking calls, so that no citizen waits for them."""
    from actions.matters import guide

    started = time.monotonic()
    try:
        guide().warm()
    except Exception:  # noqa: BLE001 - the first question builds them then, and says what failed
        log.exception("could not build the search indexes at start-up")
        return
    log.info("search indexes built in %.1f s", time.monotonic() - started)


def main() -> int:
    host = os.environ.get("ACTION_HOST", "127.0.0.1").strip() or "127.0.0.1"
    port = int(os.environ.get("ACTION_PORT", "5055") or 5055)
    token = os.environ.get("ACTION_SERVER_TOKEN", "").strip() or None
    if not token and not is_loopback(host):
        print(f"refusing to listen on {host} without ACTION_SERVER_TOKEN: anyone could run the actions",
              file=sys.stderr)  # fmt: skip
        return 2
    scrub_logs()
    refuse_bad_content_length()
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    app = build_app(token, int(os.environ.get("ACTION_MAX_BODY_BYTES", "") or 8 * 1024 * 1024))
    warm_up()
    log.info("action server on http://%s:%s (%s)", host, port, "token required" if token else "loopback, no token")
    app.run(host, port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
