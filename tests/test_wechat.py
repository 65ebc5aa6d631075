"""The WeChat channel's parts without Rasa: the protocol against WeChat's own example vectors,
hostile XML, settings, the rendering within WeChat's limits, the menu."""
from __future__ import annotations

import hashlib

import pytest

from bot.answers import Answer, Button, Link
from connectors.wechat import protocol
from connectors.wechat.choices import picked_number
from connectors.wechat.menu import MenuError, api_menu, click_questions, load_menu
from connectors.wechat.protocol import Protocol, Refused, Signed, parse_xml
from connectors.wechat.render import MAX_BYTES, render_turn, split
from connectors.wechat.settings import DEFAULT_MENU, WeChatConfigError, WeChatSettings
from connectors.wechat.simulator import WeChatSide, message_xml

# The example of WeChat's message encryption documentation (WXBizMsgCrypt's sample).
OFFICIAL = {
    "token": "spamtest", "aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "app_id": "wx2c2769f8efd9abc2",
    "timestamp": "1409735669", "nonce": "1320562132", "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    "body": (
        "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]>"
        "</FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]>"
        "</Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655H"
        "uD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZk"
        "yyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbG"
        "py0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9eh"
        "VsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>"
    ),
}  # fmt: skip
SETTINGS = WeChatSettings(token="tok3n", app_id="wx0123456789abcdef", app_secret="s3cret",
                          aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")  # fmt: skip


def sha1_signature(*parts: str) -> str:
    """WeChat's signature, computed here independently of wechatpy: sha1 of the sorted parts."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def official_request(**changes) -> tuple[Protocol, Signed]:
    vector = {**OFFICIAL, **changes}
    signed = Signed(sha1_signature(vector["token"], vector["timestamp"], vector["nonce"]), vector["timestamp"],
                    vector["nonce"], "aes", vector["msg_signature"])  # fmt: skip
    clock = lambda: int(OFFICIAL["timestamp"]) + 1  # noqa: E731 - the vector's own time
    return Protocol(OFFICIAL["token"], vector["app_id"], OFFICIAL["aes_key"], clock=clock), signed


def test_the_official_example_message_is_verified_and_decrypted():
    channel, signed = official_request()
    fields = channel.open(signed, OFFICIAL["body"].encode())
    assert fields["Content"] == "abcdteT" and fields["MsgId"] == "6054768590064713728"
    assert fields["FromUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert protocol.message_from(fields).content == "abcdteT"


def test_the_official_example_is_refused_with_another_app_id_or_a_changed_signature():
    channel, signed = official_request(app_id="wx0000000000000000")
    with pytest.raises(Refused) as refused:
        channel.open(signed, OFFICIAL["body"].encode())
    assert refused.value.status == 403 and "AppID" in refused.value.reason
    channel, signed = official_request(msg_signature="0" * 40)
    with pytest.raises(Refused) as refused:
        channel.open(signed, OFFICIAL["body"].encode())
    assert refused.value.status == 403


def test_a_replay_of_the_official_example_today_is_refused_as_too_old():
    channel, signed = official_request()
    channel.clock = lambda: int(OFFICIAL["timestamp"]) + 301
    with pytest.raises(Refused, match="older than 5 minutes"):
        channel.open(signed, OFFICIAL["body"].encode())


def test_url_verification_echoes_only_with_the_right_signature():
    channel = Protocol("tok3n", "wx0123456789abcdef")
    stamp = str(int(channel.clock()))
    assert channel.verify_url(Signed(sha1_signature("tok3n", stamp, "42"), stamp, "42"), "echo-7") == "echo-7"
    with pytest.raises(Refused):
        channel.verify_url(Signed(sha1_signature("other", stamp, "42"), stamp, "42"), "echo-7")
    # Signed by someone holding the token, but not as WeChat signs: without a nonce.
    for nonce in ("", "4 2", "9" * 65):
        with pytest.raises(Refused) as refused:
            channel.verify_url(Signed(sha1_signature("tok3n", stamp, nonce), stamp, nonce), "echo-7")
        assert refused.value.status == 400


@pytest.mark.parametrize("safe,compatible", [(False, False), (True, False), (True, True)])
def test_a_message_sealed_as_wechat_does_opens_and_the_reply_opens_on_wechats_side(safe, compatible):
    # An account in plaintext mode has no EncodingAESKey set; one that has it takes only encrypted pushes.
    side, channel = WeChatSide(SETTINGS), Protocol(SETTINGS.token, SETTINGS.app_id, SETTINGS.aes_key if safe else None)
    xml = message_xml("o-citizen", "text", {"Content": "老年证]]>怎么办"}, msg_id=7)
    pushed = side.push(xml, safe=safe, compatible=compatible)
    assert (b"<Content>" in pushed.body) == (not safe or compatible) and (b"<Encrypt>" in pushed.body) == safe
    signed = Signed.from_query(pushed.query)
    fields = channel.open(signed, pushed.body)
    assert fields["Content"] == "老年证]]>怎么办" and fields["FromUserName"] == "o-citizen"
    reply = channel.seal(protocol.text_reply("o-citizen", "gh_x", "答复]]><x>"), signed)
    opened = side.open_reply(reply, safe)
    assert opened["Content"] == "答复]]><x>" and opened["ToUserName"] == "o-citizen"


BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><Content>&lol3;</Content></xml>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>"""


@pytest.mark.parametrize("body", [BOMB, EXTERNAL, b"<xml><a>", b"not xml", b"<html><Content>x</Content></html>", b""])
def test_hostile_or_broken_xml_is_refused_before_anything_reads_it(body):
    with pytest.raises(Refused) as refused:
        parse_xml(body)
    assert refused.value.status == 400


@pytest.mark.parametrize("fields", [
    {"FromUserName": "o", "ToUserName": "gh", "CreateTime": "1"},  # no MsgType
    {"MsgType": "text", "ToUserName": "gh", "CreateTime": "1"},  # no sender
    {"MsgType": "text", "FromUserName": "o", "ToUserName": "gh", "CreateTime": "yesterday"},
    {"MsgType": {"nested": "x"}, "FromUserName": "o", "ToUserName": "gh", "CreateTime": "1"},
])  # fmt: skip
def test_messages_with_missing_or_mistyped_fields_are_refused(fields):
    with pytest.raises(Refused):
        protocol.message_from(fields)


def test_a_half_configured_channel_stops_the_start():
    from connectors.wechat.channel import WeChatChannel

    with pytest.raises(WeChatConfigError, match="WECHAT_APPID"):
        WeChatChannel.from_credentials({"token": "t", "app_id": "", "app_secret": "s", "aes_key": ""})
    assert WeChatChannel.from_credentials({"token": "", "app_id": "", "app_secret": "", "aes_key": ""}).settings is None


def test_settings_are_off_when_none_is_given_and_an_error_when_half_given():
    assert WeChatSettings.from_values({}, environ={}) is None
    with pytest.raises(WeChatConfigError, match="WECHAT_APPSECRET"):
        WeChatSettings.from_values({"token": "t", "app_id": "wx1"}, environ={})
    with pytest.raises(WeChatConfigError, match="43-character"):
        WeChatSettings.from_values({"token": "t", "app_id": "wx1", "app_secret": "s", "aes_key": "short"}, environ={})
    plain = WeChatSettings.from_values({"token": "t", "app_id": "wx1", "app_secret": "s"}, environ={})
    assert plain.aes_key is None and plain.api_base == "https://api.weixin.qq.com"


def test_long_answers_are_split_within_the_limit_between_lines_in_order():
    items = [f"{i}. " + "材料" * 40 for i in range(1, 60)]
    parts = split("\n".join(items))
    assert len(parts) > 1 and all(len(p.encode()) <= MAX_BYTES for p in parts)
    assert "\n".join(parts).split("\n") == items  # nothing lost, nothing cut, in order
    long_line = "这是一句很长的说明。" * 400
    assert "".join(split(long_line)) == long_line and all(len(p.encode()) <= MAX_BYTES for p in split(long_line))


def test_a_turn_renders_links_and_numbers_the_options_across_messages():
    answer = Answer("【老年人优待证】需要准备：\n1. 身份证", buttons=[Button("办理地点", "ask", "where")],
                    links=[Link("网上办理入口", "https://e.gov.cn/a?b=1&c=<2>")], matter="MZ-001").with_rating()  # fmt: skip
    responses = [
        {"text": "不用", "buttons": [{"title": "办理地点", "payload": "/ask_where"}, {"title": "满意", "payload": "/rate_good"},
                                      {"title": "不满意", "payload": "/rate_bad"}],
         "custom": {"data": {"answer": answer.as_dict()}}},
        {"text": "还有什么可以帮您？", "buttons": [{"title": "转人工", "payload": "/handoff"}]},
    ]  # fmt: skip
    rendered = render_turn(responses)
    text = "\n".join(rendered.parts)
    assert '<a href="https://e.gov.cn/a?b=1&amp;c=&lt;2&gt;">网上办理入口</a>' in text
    assert "1. 办理地点" in text and "3. 不满意" in text and "4. 转人工" in text and "不用" not in text
    assert [o.payload for o in rendered.options] == ["/ask_where", "/rate_good", "/rate_bad", "/handoff"]
    assert "1. 办理地点" not in "\n".join(rendered.unnumbered)


@pytest.mark.parametrize("text,number", [("2", 2), (" 3 ", 3), ("1.", 1), ("２", 2), ("12", 12), ("2个", None),
                                         ("1234", None), ("", None)])  # fmt: skip
def test_a_reply_of_just_a_number_is_a_pick(text, number):
    assert picked_number(text) == number


def test_the_repositorys_menu_is_valid_and_its_clicks_ask_questions(tmp_path):
    menu = load_menu(DEFAULT_MENU)
    published = api_menu(menu)
    assert "question" not in str(published) and len(published["button"]) <= 3
    assert click_questions(DEFAULT_MENU)["CHECK_STATUS"] == "查询办件进度"
    bad = tmp_path / "menu.yml"
    bad.write_text("button: [{name: a, type: click, key: A, question: q}, {name: b, type: click, key: B, question: q},"
                   " {name: c, type: click, key: C, question: q}, {name: d, type: click, key: D, question: q}]")
    with pytest.raises(MenuError, match="1 to 3"):
        load_menu(bad)


def run_cli(env: dict, *args: str):
    import os
    import subprocess
    import sys

    from tests.catalogues import ROOT

    return subprocess.run([sys.executable, "-m", "bot", "wechat", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **env}, timeout=120)  # fmt: skip


def test_the_menu_is_published_through_the_api_and_the_outbox_is_listed(database_url):
    from connectors.wechat import store
    from tests.wechat_standin import StandIn

    standin = StandIn(SETTINGS.app_id, SETTINGS.app_secret).start()
    try:
        env = {"BOT_DATABASE_URL": database_url, "WECHAT_TOKEN": SETTINGS.token, "WECHAT_APPID": SETTINGS.app_id,
               "WECHAT_APPSECRET": SETTINGS.app_secret, "WECHAT_API_BASE": standin.base}  # fmt: skip
        published = run_cli(env, "menu")
        assert published.returncode == 0, published.stderr
        assert standin.menus == [api_menu(load_menu(DEFAULT_MENU))] and standin.tokens_issued == 1
        # A wrong AppSecret, on a database with no token kept yet (a kept one is used as it is).
        wrong = run_cli({**env, "WECHAT_APPSECRET": "wrong", "BOT_DATABASE_URL": database_url + "-fresh"}, "menu")
        assert wrong.returncode == 1 and "40125" in wrong.stderr
    finally:
        standin.stop()
    [row] = store.enqueue("o-x", [{"msgtype": "text", "text": {"content": "答复"}}], database_url)
    store.not_delivered(row, "WeChat API error 45015: response out of time limit", final=True, database_url=database_url)
    listed = run_cli(env, "outbox", "--retry")
    assert "1 failed messages will be tried again" in listed.stdout and "45015" in listed.stdout
    assert "1 messages in the outbox" in listed.stdout


def test_half_settings_and_a_bot_that_is_not_running_are_explained(database_url):
    half = run_cli({"BOT_DATABASE_URL": database_url, "WECHAT_TOKEN": "t", "WECHAT_APPID": "", "WECHAT_APPSECRET": ""},
                   "simulate", "老年证")  # fmt: skip
    assert half.returncode == 2 and "WECHAT_APPID" in half.stderr
    env = {"BOT_DATABASE_URL": database_url, "WECHAT_TOKEN": "t", "WECHAT_APPID": "wx1", "WECHAT_APPSECRET": "s"}
    nobody = run_cli(env, "simulate", "老年证", "--url", "http://127.0.0.1:9/webhooks/wechat/webhook")
    assert nobody.returncode == 1 and "cannot reach" in nobody.stderr


def test_a_number_field_forged_as_a_tree_is_no_pick():
    assert picked_number({"a": "1"}) is None and picked_number(None) is None


# --- issue 19: what the outside probe found -----------------------------------------------------
def test_with_an_aes_key_only_encrypted_and_signed_messages_open():
    side, channel = WeChatSide(SETTINGS), Protocol(SETTINGS.token, SETTINGS.app_id, SETTINGS.aes_key)
    xml = message_xml("o-citizen", "text", {"Content": "老年证"}, msg_id=8)
    plain = side.push(xml)
    with pytest.raises(Refused) as refused:
        channel.open(Signed.from_query(plain.query), plain.body)
    assert refused.value.status == 403
    sealed = side.push(xml, safe=True)
    without_signature = {k: v for k, v in sealed.query.items() if k != "msg_signature"}
    with pytest.raises(Refused):
        channel.open(Signed.from_query(without_signature), sealed.body)


@pytest.mark.parametrize("timestamp", ["9" * 400, "-1", "１７００００００００", "1e9", "", "0x10"])
def test_a_timestamp_that_is_no_number_of_seconds_is_a_400(timestamp):
    with pytest.raises(Refused) as refused:
        protocol.check_fresh(timestamp)
    assert refused.value.status == 400


def test_a_message_is_known_by_its_sender_and_msgid(database_url):
    from connectors.wechat import store

    first = store.message_key({"FromUserName": "o-a", "MsgId": "42"})
    assert first != store.message_key({"FromUserName": "o-b", "MsgId": "42"})
    assert store.first_use_of_signature("1700000000", "7", first)
    assert store.first_use_of_signature("1700000000", "7", first)  # WeChat's retry of the same message
    assert not store.first_use_of_signature("1700000000", "7", store.message_key({"FromUserName": "o-b", "MsgId": "43"}))
    assert store.first_use_of_signature("1700000000", "8", store.message_key({"FromUserName": "o-b", "MsgId": "43"}))


def test_catalogue_and_platform_text_is_inert_and_only_web_addresses_link():
    answer = Answer('<a href="http://evil.example/x">点此</a> & <script>', links=[
        Link("入口", "javascript:alert(1)"), Link("指南", "https://bot.example/guide/A"), Link("<b>x</b>", "http://a/")])  # fmt: skip
    rendered = render_turn([{"text": answer.text, "custom": {"data": {"answer": answer.as_dict()}}},
                            {"text": "<a href='http://evil'>平台</a>", "buttons": [{"title": "<i>x</i>", "payload": "/deny"}]}])  # fmt: skip
    text = "\n".join(rendered.parts)
    assert [link.url for link in answer.links] == ["https://bot.example/guide/A", "http://a/"]
    assert text.count("<a href=") == 2 and '<a href="https://bot.example/guide/A">指南</a>' in text
    assert "<a href=\"http://evil" not in text and "<a href='http://evil" not in text and "<script>" not in text
    assert "＜a href" in text and "＜b＞x＜/b＞" in text and "＜i＞x＜/i＞" in text
