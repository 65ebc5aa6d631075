"""Which aspect of a matter a question asks about, from its cue words, for a message the NLU
could not classify (a long story, unusual wording): 要带什么 asks for the materials wherever it
stands. The intents decide everywhere else."""
from __future__ import annotations

import re
from typing import Optional

from bot.search.normalize import MAX_QUERY_CHARS, normalize

# Everyday ways of asking for each aspect; the one said first wins (在哪办，要带什么 -> where).
_CUES = {
    "materials": "材料|资料|带什么|带啥|带哪些|要带|准备什么|准备啥|准备哪些|提交什么|提供什么|交什么",
    "where": "在哪|哪里|去哪|哪儿|哪个窗口|地址|地点|大厅|窗口在",
    "time": "多久|多长时间|几天|多少天|几个工作日|时限|多快|什么时候能|啥时候能|要等",
    "fee": "收费|多少钱|费用|要钱|花钱|交钱|免费吗|收钱",
    "conditions": "条件|资格|能不能办|可不可以办|能办吗|可以办吗|能申请吗|可以申请吗|符合|够不够|有没有资格",
    "phone": "电话|热线|咨询号码|联系方式",
    "online": "网上|线上|手机上|小程序|app|网站|在线|不用跑",
    "steps": "流程|步骤|程序|手续怎么走",
    "legal_basis": "依据|哪条规定|法律规定",
}
_PATTERN = re.compile("|".join(f"(?P<{aspect}>{words})" for aspect, words in _CUES.items()))


def aspect_asked(text: str) -> Optional[str]:
    """The aspect the text's first cue asks about, or None (then: the overview)."""
    found = _PATTERN.search(normalize(text, MAX_QUERY_CHARS))
    return found.lastgroup if found else None
