"""`python -m bot wechat …`: publish the menu, try the channel as WeChat would, see the outbox."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import urllib.error
import urllib.request

from connectors.wechat.menu import api_menu, load_menu
from connectors.wechat.settings import WeChatConfigError, WeChatSettings
from connectors.wechat.simulator import WeChatSide, message_xml


def add_commands(commands) -> None:  # noqa: ANN001 - argparse's subparsers
    wechat = commands.add_parser("wechat", help="the WeChat channel: menu, simulate, outbox")
    actions = wechat.add_subparsers(dest="action", required=True)
    menu = actions.add_parser("menu", help="publish knowledge/wechat_menu.yml as the account's menu")
    menu.add_argument("--dry-run", action="store_true", help="print the JSON instead of publishing it")
    simulate = actions.add_parser("simulate", help="send a message to the running bot exactly as WeChat does")
    simulate.add_argument("text", nargs="?", default="", help="the message (omit with --event or --location)")
    simulate.add_argument("--safe", action="store_true", help="safe mode: encrypt with WECHAT_AES_KEY")
    simulate.add_argument("--user", default="o-simulated-citizen", help="the citizen's OpenID")
    simulate.add_argument("--event", help="subscribe, or click:KEY for a menu button")
    simulate.add_argument("--location", help="LAT,LON: a shared location")
    simulate.add_argument("--url", default=None, help="default: http://127.0.0.1:$RASA_PORT/webhooks/wechat/webhook")
    outbox = actions.add_parser("outbox", help="customer-service messages not yet delivered")
    outbox.add_argument("--retry", action="store_true", help="try the failed ones again")


def run(args: argparse.Namespace) -> int:
    try:
        settings = WeChatSettings.from_environment()
    except WeChatConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if args.action == "menu":
        return _menu(args, settings)
    if settings is None:
        print("set WECHAT_TOKEN, WECHAT_APPID and WECHAT_APPSECRET (and WECHAT_AES_KEY for --safe), "
              "the same as the running bot's", file=sys.stderr)  # fmt: skip
        return 2
    if args.action == "simulate":
        return _simulate(args, settings)
    return _outbox(args)


def _menu(args: argparse.Namespace, settings) -> int:  # noqa: ANN001
    from connectors.wechat.settings import DEFAULT_MENU

    menu = api_menu(load_menu(settings.menu_file if settings else DEFAULT_MENU))
    if args.dry_run:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    if settings is None:
        print("publishing needs WECHAT_TOKEN, WECHAT_APPID and WECHAT_APPSECRET", file=sys.stderr)
        return 2
    from connectors.wechat.api import ApiError, WeChatApi

    async def publish() -> None:
        api = WeChatApi(settings)
        try:
            await api.create_menu(menu)
        finally:
            await api.close()

    try:
        asyncio.run(publish())
    except ApiError as error:
        print(f"WeChat refused the menu: {error}", file=sys.stderr)
        return 1
    print(f"menu published ({len(menu['button'])} buttons)")
    return 0


def _simulate(args: argparse.Namespace, settings: WeChatSettings) -> int:
    url = args.url or f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}/webhooks/wechat/webhook"
    side = WeChatSide(settings)
    if args.location:
        latitude, longitude = (part.strip() for part in args.location.split(",", 1))
        xml = message_xml(args.user, "location", {"Location_X": latitude, "Location_Y": longitude, "Scale": "15",
                                                  "Label": "simulated"}, msg_id=_msg_id())  # fmt: skip
    elif args.event:
        event, _, key = args.event.partition(":")
        xml = message_xml(args.user, "event", {"Event": event.upper() if event == "click" else event, "EventKey": key})
    else:
        xml = message_xml(args.user, "text", {"Content": args.text}, msg_id=_msg_id())
    pushed = side.push(xml, safe=args.safe, openid=args.user)
    request = urllib.request.Request(pushed.url(url), data=pushed.body, headers={"Content-Type": "text/xml"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        print(f"the bot refused it: HTTP {error.code} {error.read().decode('utf-8', 'replace')}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"cannot reach {url}: {error} (is `make run` going, with the same WECHAT_* settings?)", file=sys.stderr)
        return 1
    reply = side.open_reply(body, args.safe)
    if not reply:
        print("(success: no passive reply; a slow answer follows as customer-service messages)")
    elif reply.get("MsgType") == "transfer_customer_service":
        print("(handed over to the account's customer-service staff)")
    else:
        print(reply.get("Content", ""))
    return 0


def _msg_id() -> int:
    import secrets

    return secrets.randbelow(10**18)


def _outbox(args: argparse.Namespace) -> int:
    from connectors.wechat import store

    if args.retry:
        print(f"{store.retry_failed()} failed messages will be tried again by the running bot")
    rows = store.outbox()
    for row in rows:
        print(f"#{row.id} {row.created_at:%Y-%m-%d %H:%M} {row.state} tries={row.attempts} "
              f"{row.body.get('msgtype')}: {row.last_error or ''}")  # fmt: skip
    print(f"{len(rows)} messages in the outbox")
    return 0
