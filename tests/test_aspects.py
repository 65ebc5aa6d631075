"""The aspect a question's cue words ask about (for messages the NLU could not place)."""
from __future__ import annotations

import pytest

from bot.aspects import aspect_asked


@pytest.mark.parametrize("text, aspect", [
    ("我爸80了，要带什么去办", "materials"), ("需要准备哪些资料", "materials"), ("在哪办，要带什么", "where"),
    ("辦理要多久", "time"), ("这个要收费吗", "fee"), ("我这种情况符合条件吗", "conditions"),
    ("能不能在網上辦", "online"), ("咨询电话是多少", "phone"), ("办理流程是怎样的", "steps"),
    ("是根据哪条规定", "legal_basis"), ("老年证", None), ("", None), ("😀", None),
])  # fmt: skip
def test_the_first_cue_says_the_aspect(text, aspect):
    assert aspect_asked(text) == aspect
