"""The WeChat channel's settings: from credentials.yml, which takes them from the environment
(.env.example). The channel is off when none is set; a half-filled set stops the start."""
from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

DEFAULT_API = "https://api.weixin.qq.com"
DEFAULT_MENU = Path(__file__).resolve().parent.parent.parent / "knowledge" / "wechat_menu.yml"
REQUIRED = {"token": "WECHAT_TOKEN", "app_id": "WECHAT_APPID", "app_secret": "WECHAT_APPSECRET"}


class WeChatConfigError(ValueError):
    pass


@dataclass(frozen=True)
class WeChatSettings:
    token: str
    app_id: str
    app_secret: str
    aes_key: Optional[str] = None  # EncodingAESKey: needed for the compatible and safe modes
    api_base: str = DEFAULT_API  # WeChat's API; a stand-in's in tests
    passive_seconds: float = 4.5  # WeChat waits 5 s for a reply, then retries
    transfer_to_staff: bool = False  # the account has customer-service staff (多客服)
    use_msgmenu: bool = False  # options as a tappable menu in customer-service messages
    max_body_bytes: int = 16 * 1024  # WeChat's pushes are a few hundred bytes
    menu_file: Path = DEFAULT_MENU

    @classmethod
    def from_values(cls, values: Mapping[str, object], environ: Optional[Mapping[str, str]] = None) -> Optional["WeChatSettings"]:
        """None when no setting is given (the channel is off); WeChatConfigError when some are."""
        environ = os.environ if environ is None else environ
        given = {name: str(values.get(name) or "").strip() for name in (*REQUIRED, "aes_key")}
        if not any(given.values()):
            return None
        missing = [variable for name, variable in REQUIRED.items() if not given[name]]
        if missing:
            raise WeChatConfigError(
                "the WeChat channel is half configured: set " + ", ".join(missing)
                + " as well (or none of WECHAT_TOKEN, WECHAT_APPID, WECHAT_APPSECRET, WECHAT_AES_KEY)"
            )
        if given["aes_key"]:
            check_aes_key(given["aes_key"])
        return cls(
            token=given["token"], app_id=given["app_id"], app_secret=given["app_secret"],
            aes_key=given["aes_key"] or None,
            api_base=(environ.get("WECHAT_API_BASE") or DEFAULT_API).rstrip("/"),
            passive_seconds=float(environ.get("WECHAT_PASSIVE_SECONDS") or 4.5),
            transfer_to_staff=environ.get("WECHAT_TRANSFER_TO_STAFF", "").strip() == "1",
            use_msgmenu=environ.get("WECHAT_MSGMENU", "").strip() == "1",
            menu_file=Path(environ.get("WECHAT_MENU_FILE") or DEFAULT_MENU),
        )  # fmt: skip

    @classmethod
    def from_environment(cls, environ: Optional[Mapping[str, str]] = None) -> Optional["WeChatSettings"]:
        environ = os.environ if environ is None else environ
        values = {name: environ.get(variable, "") for name, variable in REQUIRED.items()}
        values["aes_key"] = environ.get("WECHAT_AES_KEY", "")
        return cls.from_values(values, environ)


def check_aes_key(key: str) -> None:
    """An EncodingAESKey is 43 characters of base64 for 32 bytes."""
    try:
        decoded = base64.b64decode(key + "=", validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if len(key) != 43 or len(decoded) != 32:
        raise WeChatConfigError("WECHAT_AES_KEY must be the 43-character EncodingAESKey from the account's settings")
