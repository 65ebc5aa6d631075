"""The bot's fixed sentences for what happens around an answer: messages refused at the edge,
a busy system, ratings. Kept in one place so each channel can find (and later vary) them."""
from __future__ import annotations

from bot import config

EXAMPLES = "比如“老年证要带什么材料”“居住证在哪办”“查一下办件进度”。"


def ask_question() -> str:
    return "请输入您的问题，" + EXAMPLES


def too_long(limit: int) -> str:
    return f"您的消息太长了（超过{limit}个字）。请用一两句话简短说明您想办的事，" + EXAMPLES


def too_fast() -> str:
    return "您发送得太快了，请稍等几秒再问。"


def busy() -> str:
    return f"系统繁忙，请稍后再试或致电{config.hotline()}。"


def no_sender() -> str:
    return "请求缺少会话标识 sender（一个不含冒号的字符串，最长128个字符）。"


def id_number_refused() -> str:
    return ("请不要在这里输入身份证号码，查询办件进度不需要它。"
            "请输入受理回执上的受理编号，比如 SL2026110100001。")  # fmt: skip


def rating_thanks(satisfied: bool) -> str:
    if satisfied:
        return "感谢您的好评！还有什么可以帮您？"
    return f"抱歉没能帮上忙，您的评价已记录。可以换个说法再问，或说“转人工”，也可致电{config.hotline()}。"


def rating_nothing_to_rate() -> str:
    return "还没有可以评价的回答。请先提问，收到回答后再点“满意”或“不满意”。"


def rating_already_given() -> str:
    return "这条回答您已经评价过了，谢谢！还有什么可以帮您？"
