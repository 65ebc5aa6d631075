"""Whether a question asks about an aspect at all. The NLU names one aspect per question and, on
wording it never saw, often the wrong one (能挂光荣牌吗 read as 在哪办); an answer about the
wrong aspect leaves out what was asked. A question whose words hold nothing of the aspect the
NLU named gets the overview, which says a little of each (一次性告知)."""
from __future__ import annotations

import re

from bot.search.normalize import normalize

CUES = {
    "materials": "材料|资料|带|证件|准备|提交|上传|复印|原件|照片|相片|证明|东西|啥|什么|哪些|户口本|身份证|表|单",
    "where": "哪|地址|地点|窗口|大厅|中心|位置|怎么走|几楼|找谁|部门|附近|最近|派出所|局|所|站|社区|街道|楼|那边|这边|区里|市里|只能",
    "steps": "流程|步骤|步|程序|怎么|怎样|咋|如何|手续|过程|先|后|办法|方法|环节",
    "time": "多久|几天|多长|时间|时限|天|工作日|什么时候|啥时候|何时|几号|几月|当天|当场|马上|快|慢|周期|期限|日|月|年|来得及|赶得上",
    "fee": "钱|费|收费|免费|价|多少|花|掏|付|交|贵|便宜",
    "conditions": "条件|住满|多久|能|可以|可不可以|行|资格|符合|够|要求|满足|吗|是否|算|有没有|谁|哪些人|什么人|不|没",
    "online": "网|线上|手机|app|小程序|公众号|在线|微信|电脑|粤省事|跑|现场|不用去|邮寄|寄|快递|自助|支付宝|到场|本人|一趟",
    "phone": "电话|号码|热线|联系|打给|打哪|咨询|客服|座机|手机号|方式",
    "legal_basis": "依据|规定|法|条例|政策|文件|根据|凭什么|规章|办法",
    "next": "接下来|下一步|然后|之后|以后|还要|还需|还得|办完|后续|接着|再办|顺便|一起|还可以|也要|也去|相关|关联|别的|还有别|还有没有关|还能申请哪|还能申请别|还能办",
}
_CUES = {aspect: re.compile(pattern) for aspect, pattern in CUES.items()}
SHORT = 8  # characters: a short message (要多就, 在那办) is a follow-up the NLU reads well, typos and all


def asked(aspect: str, text: str) -> bool:
    """Whether the text says anything of `aspect` (the overview is always asked; a short
    message is taken at the NLU's word)."""
    cue = _CUES.get(aspect)
    words = normalize(text)
    return cue is None or len(words) < SHORT or cue.search(words) is not None
