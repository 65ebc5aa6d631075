"""The bot's fixed sentences for what happens around an answer: messages refused at the edge,
a busy system, ratings, the status form's help. Kept in one place so each channel can find (and
later vary) them."""
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


# --- the status form (办件进度), when it cannot use what was typed ------------------------------
def receipt_format_wrong() -> str:
    return "受理编号的格式不对：它由8到32位字母和数字组成，印在受理回执上，比如 SL2026110100001。"


def receipt_not_given() -> str:
    return "这条消息里没有受理编号。"


def phone_last4_wrong() -> str:
    return "请输入办件时登记的手机号码的最后4位数字，比如 1234。"


def _way_out() -> str:
    return (f"可以点“取消查询”，或点“转人工”、致电{config.hotline()}政务服务便民热线查询；"
            "想问别的事，直接问我就行。")  # fmt: skip


def status_way_out(slot: str) -> str:
    """After two inputs in a row that are not the `slot` asked for: what it is, where to find
    it, and the ways out."""
    if slot == "phone_last4":
        return ("还是没有认出手机尾号。请输入办件时登记的手机号码的最后4位数字："
                "比如登记的是 138****5678，就输入 5678。\n记不清登记的是哪个号码也没关系：" + _way_out())  # fmt: skip
    return ("还是没有认出受理编号。受理编号由8到32位字母和数字组成（比如 SL2026110100001），"
            "印在窗口给您的受理回执上；网上申请的，申请成功的页面和短信通知里也有。\n"
            "找不到也没关系：" + _way_out())  # fmt: skip


def status_given_up() -> str:
    """After the third input in a row the status form could not use: it ends."""
    return ("还是没能认出来，这次办件查询先结束了，免得耽误您。找到受理回执后说“查办件进度”就能再查，"
            f"也可以点“转人工”或致电{config.hotline()}政务服务便民热线。想问别的事，直接问我就行。")  # fmt: skip
