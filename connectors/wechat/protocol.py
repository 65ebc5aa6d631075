"""WeChat's server protocol (公众号 message push): signatures, the three encryption modes, the
XML of messages and replies. wechatpy does the signing, the AES and the message classes;
defusedxml parses every XML first (no DTD, entity or bomb gets through), as xmltodict would
not refuse them all.

Modes, as the account's 消息加解密方式 setting chooses:
- plaintext: the body is the message; the query's `signature` signs (token, timestamp, nonce);
- compatible: both the plain fields and `<Encrypt>` come, with `encrypt_type=aes`;
- safe: only `<Encrypt>`, signed by the query's `msg_signature`.
The reply goes back in the mode the message came in."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Optional
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import EVENT_TYPES
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import MESSAGE_TYPES, UnknownMessage
from wechatpy.replies import TextReply, TransferCustomerServiceReply
from wechatpy.utils import check_signature

MAX_AGE_SECONDS = 300  # a signed request older than this is a replay


class Refused(Exception):
    """A request that is not WeChat's, or not well formed: `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Signed:
    """The query WeChat signs a push with."""

    signature: str
    timestamp: str
    nonce: str
    encrypt_type: str = ""
    msg_signature: str = ""

    @classmethod
    def from_query(cls, args) -> "Signed":  # noqa: ANN001 - a multidict
        def one(name: str) -> str:
            value = args.get(name) or ""
            return value if isinstance(value, str) else ""

        return cls(one("signature"), one("timestamp"), one("nonce"), one("encrypt_type").lower(), one("msg_signature"))

    @property
    def encrypted(self) -> bool:
        return self.encrypt_type == "aes"


def parse_xml(body: bytes | str) -> dict:
    """The fields of a WeChat XML document (`<xml><Name>value</Name>…</xml>`) as a dict of
    strings; nested elements (ScanCodeInfo, SendLocationInfo) as dicts."""
    try:
        root = ElementTree.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ElementTree.ParseError, ValueError) as error:
        raise Refused(400, f"not well-formed XML ({type(error).__name__})") from None
    if root.tag != "xml":
        raise Refused(400, "the document is not <xml>")
    return _fields(root)


def _fields(element: Element) -> dict:
    return {child.tag: _fields(child) if len(child) else (child.text or "").strip() for child in element}


def check_fresh(timestamp: str, now: Optional[float] = None) -> None:
    # Seconds since 1970 have 10 digits until 2286; a longer number would overflow the clock's
    # float, and is no timestamp anyway.
    if not re.fullmatch(r"[0-9]{1,12}", timestamp):
        raise Refused(400, "the timestamp is not a number of seconds")
    if abs((now or time.time()) - int(timestamp)) > MAX_AGE_SECONDS:
        raise Refused(403, "the timestamp is older than 5 minutes")


class Protocol:
    """Checks and opens what WeChat pushes, and seals the replies, for one account."""

    def __init__(self, token: str, app_id: str, aes_key: Optional[str] = None, clock=time.time):  # noqa: ANN001
        self.token, self.app_id = token, app_id
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self.clock = clock  # the time signatures are checked against (tests replay old vectors)

    def verify_url(self, signed: Signed, echostr: str) -> str:
        """The GET WeChat sends when the server URL is set: echo `echostr` if the signature holds."""
        self._check_signature(signed)
        return echostr

    def open(self, signed: Signed, body: bytes) -> dict:
        """The message's fields, after the signatures (and the decryption in safe and
        compatible modes); raises Refused."""
        self._check_signature(signed)
        if self.crypto is not None and not (signed.encrypted and signed.msg_signature):
            # With an EncodingAESKey (compatible and safe modes) WeChat encrypts every push: a
            # plaintext one, signed only over (token, timestamp, nonce), could be any body
            # under a signature copied from a genuine push.
            raise Refused(403, "a plaintext message, but the account encrypts (WECHAT_AES_KEY is set)")
        outer = parse_xml(body)
        if not signed.encrypted:
            return outer
        if self.crypto is None:
            raise Refused(403, "an encrypted message, but WECHAT_AES_KEY is not set")
        if not isinstance(outer.get("Encrypt"), str) or not outer["Encrypt"]:
            raise Refused(400, "encrypt_type=aes without <Encrypt>")
        try:
            inner = self.crypto.decrypt_message(outer, signed.msg_signature, signed.timestamp, signed.nonce)
        except InvalidSignatureException:
            raise Refused(403, "bad msg_signature") from None
        except InvalidAppIdException:
            raise Refused(403, "the message is for another AppID") from None
        except Exception as error:  # noqa: BLE001 - bad base64, padding, length: not WeChat's
            raise Refused(400, f"cannot decrypt ({type(error).__name__})") from None
        return parse_xml(inner)

    def seal(self, reply_xml: str, signed: Signed) -> str:
        """The reply as WeChat expects it for the request it answers."""
        if not signed.encrypted or self.crypto is None:
            return reply_xml
        return self.crypto.encrypt_message(reply_xml, signed.nonce)  # open() checked it is there

    def _check_signature(self, signed: Signed) -> None:
        # WeChat always signs over a nonce of its own: a query without one was not sent by it.
        if not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", signed.nonce) or not signed.signature:
            raise Refused(400, "the nonce or the signature is missing or malformed")
        check_fresh(signed.timestamp, self.clock())
        try:
            check_signature(self.token, signed.signature, signed.timestamp, signed.nonce)
        except InvalidSignatureException:
            raise Refused(403, "bad signature") from None


def message_from(fields: dict):  # noqa: ANN201 - a wechatpy message or event
    """wechatpy's message (or event) class for the fields, as `wechatpy.parse_message` chooses
    it, without its XML parser."""
    kind = fields.get("MsgType")
    if not isinstance(kind, str) or not kind:
        raise Refused(400, "no MsgType")
    for required in ("FromUserName", "ToUserName", "CreateTime"):
        if not isinstance(fields.get(required), str) or not fields[required]:
            raise Refused(400, f"no {required}")
    if not fields["CreateTime"].isdigit():
        raise Refused(400, "CreateTime is not a number")
    kind = kind.lower()
    if kind == "event":
        event = fields.get("Event")
        event = event.lower() if isinstance(event, str) else ""
        return EVENT_TYPES.get(event, UnknownMessage)(fields)
    return MESSAGE_TYPES.get(kind, UnknownMessage)(fields)


def text_reply(to_user: str, from_user: str, text: str) -> str:
    # CDATA cannot hold "]]>": split it across two sections.
    return TextReply(source=from_user, target=to_user, content=text.replace("]]>", "]]]]><![CDATA[>")).render()


def transfer_reply(to_user: str, from_user: str) -> str:
    """Hands the conversation to the account's customer-service staff (多客服)."""
    return TransferCustomerServiceReply(source=from_user, target=to_user).render()
