"""`python -m connectors.rasa_server run …` is `rasa run …` with daoban's guards and one fix for
Rasa 3.6 (docs/security.md says why each is there).

Guards:
- Rasa's HTTP API stays off unless `RASA_ENABLE_API=1`, and then it needs `RASA_AUTH_TOKEN`
  (the server refuses to start without it). Model upload, training and deletion are never
  served, API or not. The server listens on `RASA_HOST` (default 127.0.0.1); CORS and socket.io
  accept only `bot.config.allowed_origins()`.
- Request bodies over `BOT_MAX_BODY_BYTES` are refused before they are read, politely, and a
  bad `Content-Length` gets 400 (`connectors/sanic_fix.py`: Sanic would loop on a negative one).
- A custom action that fails (action server down, slow, refusing) gives the citizen a "busy,
  call 12345" reply instead of silence.
- A conversation that cannot be read or saved (the database is down) fails its turn, and the
  channel answers "busy, call 12345": Rasa would go on with an empty conversation kept in memory.
- Log records are masked and cut (`bot.privacy.scrub_logs`).
- Without the API, `GET /status` still answers (the server is up once its model is loaded).

It also serves the guide pages (`connectors/web`).

The fix: Rasa checks every custom action's reply with `jsonschema.validate(reply, schema)`,
which first checks the constant schema itself against the metaschema and builds a new validator:
4 ms of each turn's CPU with jsonschema 3.2 and 50 ms with 4.17 (docs/benchmarks.md). Here the
validator is built once; every reply is still validated, an invalid one raises Rasa's error."""
from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

import aiohttp
from jsonschema import exceptions, validators
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.exceptions import RasaException
from sanic import response
from sanic.exceptions import PayloadTooLarge

from bot import config, wording
from bot.inbound import max_message_chars
from bot.privacy import scrub_logs
from connectors.sanic_fix import refuse_bad_content_length

log = logging.getLogger(__name__)

_rasa_validate = RemoteAction._validate_action_result
_rasa_run_action = RemoteAction.run
# Never served, API or not: they replace, retrain or delete the model for every citizen
# (PUT /model also fetches any URL it is given).
CLOSED_ROUTES = {("PUT", "/model"), ("DELETE", "/model"), ("POST", "/model/train")}
WECHAT_PATH = "/webhooks/wechat/"
DEFAULT_HEADERS = {"x-content-type-options": "nosniff",
                   "content-security-policy": "default-src 'none'; frame-ancestors 'none'"}  # fmt: skip


def _reply_validator():  # noqa: ANN202
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


_REPLY_VALIDATOR = _reply_validator()


def validate_action_reply(action: RemoteAction, reply: dict[str, Any]) -> bool:
    if exceptions.best_match(_REPLY_VALIDATOR.iter_errors(reply)) is None:
        return True
    return _rasa_validate(action, reply)  # raises Rasa's own error, with its explanation


def action_timeout() -> float:
    return float(os.environ.get("BOT_ACTION_TIMEOUT", "") or 15)


async def run_action_or_apologise(action: RemoteAction, output_channel, nlg, tracker, domain) -> list:  # noqa: ANN001
    """Rasa's remote action; when the action server cannot answer, a reply that says so."""
    try:
        return await asyncio.wait_for(_rasa_run_action(action, output_channel, nlg, tracker, domain), action_timeout())
    except ActionExecutionRejection:
        raise  # a form's validation said no: Rasa handles it
    except (RasaException, aiohttp.ClientError, asyncio.TimeoutError) as error:
        log.error("custom action %s failed (%s): the citizen is told the system is busy", action.name(),
                  type(error).__name__)  # fmt: skip
        return [create_bot_utterance({"text": wording.busy()})]


class ConversationUnavailable(RuntimeError):
    """The tracker store could not read or save a conversation."""


def fail_the_turn(error: Exception) -> None:
    raise ConversationUnavailable(f"the conversation store failed: {type(error).__name__}") from error


def tracker_store_failing_turns(store: TrackerStore | None, domain: Domain) -> TrackerStore:
    """Rasa's `Agent._create_tracker_store`, except that an error of the store fails the turn: Rasa
    would log it and answer from an empty conversation kept in this process, which loses the
    citizen's context now and the turn's events for good."""
    if store is None:
        store = InMemoryTrackerStore(domain)
    store.domain = domain
    return FailSafeTrackerStore(store, on_tracker_store_error=fail_the_turn)


def harden(app, api_enabled: bool):  # noqa: ANN001, ANN201
    """The guards that live on the Sanic app (see the module's docstring)."""
    app.config.REQUEST_MAX_SIZE = config.max_body_bytes()
    # A request (headers and body) must arrive within this time: connections that send part of
    # one and wait (slowloris) are closed instead of held.
    app.config.REQUEST_TIMEOUT = config.request_timeout()
    # A connection that sends nothing, at first or between requests, is Sanic's keep-alive case:
    # Rasa sets it to 120 s. It gets the same time as a request.
    app.config.KEEP_ALIVE_TIMEOUT = config.request_timeout()

    async def too_large(request, exception):  # noqa: ANN001, ANN202
        if request.path.startswith(WECHAT_PATH):  # WeChat's servers read no JSON: as the channel refuses
            return response.text("refused", status=413)
        return response.json([{"text": wording.too_long(max_message_chars())}], status=413)

    app.error_handler.add(PayloadTooLarge, too_large)

    @app.middleware("request")
    async def closed_routes(request):  # noqa: ANN001, ANN202
        if (request.method, request.path.rstrip("/")) in CLOSED_ROUTES:
            return response.json({"error": "not available on this server"}, status=403)
        if request.path == "/" and request.method in ("GET", "HEAD"):
            return response.text("daoban")  # Rasa's says "Hello from Rasa: <version>"

    @app.middleware("response")
    async def safe_headers(request, answer):  # noqa: ANN001, ANN202
        if answer is None:
            return
        # Rasa's CORS preflight says `Access-Control-Max-Age: None`, which is not a number.
        if answer.headers.get("access-control-max-age") == "None":
            del answer.headers["access-control-max-age"]
        # Every answer (Sanic's own error pages, `/`, `/status`, the channels) is read as what
        # it says it is and runs nothing; the web pages set their own policy.
        for name, value in DEFAULT_HEADERS.items():
            if name not in answer.headers:
                answer.headers[name] = value

    if not api_enabled:
        @app.get("/status")
        async def status(request):  # noqa: ANN001, ANN202
            agent = getattr(app.ctx, "agent", None)
            ready = bool(agent and agent.is_ready())
            return response.json({"ready": ready}, status=200 if ready else 503)

    return app


def server_arguments(argv: list[str], environ: dict) -> list[str]:
    """`rasa run` arguments with the guards applied; raises SystemExit when they cannot be."""
    argv = list(argv)
    if environ.get("RASA_ENABLE_API", "").strip() == "1" and "--enable-api" not in argv:
        argv.append("--enable-api")
    if "--enable-api" in argv and "--auth-token" not in argv:
        token = environ.get("RASA_AUTH_TOKEN", "").strip()
        if len(token) < 16:
            raise SystemExit("Rasa's HTTP API needs RASA_AUTH_TOKEN (16 characters or more); refusing to start.")
        argv += ["--auth-token", token]
    if "--cors" not in argv:
        argv += ["--cors", *config.allowed_origins()]
    if "--interface" not in argv and "-i" not in argv:
        argv += ["--interface", environ.get("RASA_HOST", "").strip() or "127.0.0.1"]
    return argv


def main() -> None:
    import rasa.core.run

    argv = server_arguments(sys.argv[1:], dict(os.environ))
    api_enabled = "--enable-api" in argv
    scrub_logs()
    refuse_bad_content_length()
    RemoteAction._validate_action_result = validate_action_reply
    RemoteAction.run = run_action_or_apologise
    Agent._create_tracker_store = staticmethod(tracker_store_failing_turns)
    from connectors.web import pages

    configure_app = rasa.core.run.configure_app
    rasa.core.run.configure_app = lambda *args, **kwargs: pages.mount(harden(configure_app(*args, **kwargs), api_enabled))
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *argv]
    rasa_main()


if __name__ == "__main__":
    main()
