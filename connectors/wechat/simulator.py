"""WeChat's side of the protocol, for trying the channel without an account, for the tests and
for the benchmark: a message signed (and in safe mode encrypted) exactly as WeChat's servers do
it, and the reply checked and opened as WeChat would."""
from __future__ import annotations

import secrets
import time
import urllib.parse
from dataclasses import dataclass
from typing import Optional

from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from connectors.wechat.protocol import parse_xml
from connectors.wechat.settings import WeChatSettings

ACCOUNT = "gh_daoban_simulated"


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def message_xml(openid: str, msg_type: str, fields: dict, msg_id: Optional[int] = None,
                created: Optional[int] = None) -> str:
    """A pushed message: text (Content), voice (Recognition), location (Location_X, Location_Y),
    event (Event, EventKey)… `msg_id` None for events, which have none."""
    created = created or int(time.time())
    items = {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": str(created), "MsgType": msg_type, **fields}
    if msg_id is not None:
        items["MsgId"] = str(msg_id)
    body = "".join(f"<{name}>{value}</{name}>" if str(value).isdigit() else f"<{name}>{_cdata(str(value))}</{name}>"
                   for name, value in items.items())  # fmt: skip
    return f"<xml>{body}</xml>"


@dataclass
class SignedRequest:
    query: dict
    body: bytes

    def url(self, base: str) -> str:
        return base + "?" + urllib.parse.urlencode(self.query)


class WeChatSide:
    def __init__(self, settings: WeChatSettings):
        self.settings = settings
        self.crypto = WeChatCrypto(settings.token, settings.aes_key, settings.app_id) if settings.aes_key else None

    def push(self, xml: str, safe: bool = False, timestamp: Optional[int] = None, openid: str = "",
             compatible: bool = False) -> SignedRequest:
        """The request WeChat makes to push `xml`: plaintext, encrypted (`safe`), or both at once
        (`compatible`: the plain fields beside `<Encrypt>`)."""
        stamp, nonce = str(timestamp or int(time.time())), str(secrets.randbelow(10**9))
        query = {"signature": sign(self.settings.token, stamp, nonce), "timestamp": stamp, "nonce": nonce,
                 "openid": openid}  # fmt: skip
        if not safe:
            return SignedRequest(query, xml.encode("utf-8"))
        if self.crypto is None:
            raise ValueError("safe mode needs WECHAT_AES_KEY")
        sealed = parse_xml(self.crypto.encrypt_message(xml, nonce, stamp))
        query.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        plain = xml.removeprefix("<xml>").removesuffix("</xml>") if compatible else f"<ToUserName>{_cdata(ACCOUNT)}</ToUserName>"
        body = f"<xml>{plain}<Encrypt>{_cdata(sealed['Encrypt'])}</Encrypt></xml>"
        return SignedRequest(query, body.encode("utf-8"))

    def open_reply(self, body: str, safe: bool) -> dict:
        """The reply's fields; in safe mode its signature checked and its content decrypted, as
        WeChat does. `success` or an empty body: {}."""
        if body.strip() in ("", "success"):
            return {}
        fields = parse_xml(body.encode("utf-8"))
        if not safe:
            return fields
        if sign(self.settings.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]) != fields["MsgSignature"]:
            raise ValueError("the reply's signature does not hold")
        return parse_xml(self.crypto.decrypt_message(fields, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]))


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
