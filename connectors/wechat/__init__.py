"""The WeChat official account channel (credentials.yml: `connectors.wechat.WeChatChannel`).
The channel (and Rasa with it) is imported only when asked for: `python -m bot wechat …` needs
the protocol and the API alone."""


def __getattr__(name: str):  # noqa: ANN202
    if name == "WeChatChannel":
        from connectors.wechat.channel import WeChatChannel

        return WeChatChannel
    raise AttributeError(name)
