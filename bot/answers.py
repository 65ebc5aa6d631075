"""Answers built once, channel-neutral: text, buttons, links and a checklist. Each channel
(REST, web widget, WeChat, kiosk) renders them its own way."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Optional, Sequence
from urllib.parse import quote

from bot import config, wording
from bot.catalogue import is_web_address
from bot.models import CancelledCertificate, Hall, Matter

ASPECTS = (
    "overview", "materials", "where", "steps", "time", "fee", "conditions", "online", "phone",
    "legal_basis", "next",
)  # fmt: skip
ASPECT_LABELS = {
    "overview": "简版指南", "materials": "申请材料", "where": "办理地点", "steps": "办理流程",
    "time": "办理时限", "fee": "收费标准", "conditions": "受理条件", "online": "网上办理",
    "phone": "咨询电话", "legal_basis": "设定依据", "next": "接下来办什么",
}  # fmt: skip
NOT_PUBLISHED = "目录中未公布"


# What a button does; the channel (or actions/render.py for Rasa) turns it into its own form.
CHOOSE_MATTER, ASK, RATE, DENY, HANDOFF_ACTION = "choose_matter", "ask", "rate", "deny", "handoff"
BUTTON_ACTIONS = (CHOOSE_MATTER, ASK, RATE, DENY, HANDOFF_ACTION)
GOOD, BAD = "good", "bad"


@dataclass
class Button:
    title: str
    action: str  # one of BUTTON_ACTIONS
    value: Optional[str] = None  # the matter code (choose_matter), aspect (ask), good|bad (rate)


@dataclass
class Link:
    title: str
    url: str


@dataclass
class Answer:
    text: str
    buttons: list[Button] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    checklist: list[str] = field(default_factory=list)
    matter: Optional[str] = None  # the matter code the answer is about
    kind: str = "answer"  # answer, choose, not_found, ask_matter, list, certificate, status_help
    rating: bool = False  # the citizen may rate it: the last buttons are 满意 and 不满意

    def __post_init__(self) -> None:
        # Whatever built it, an answer links only to web addresses: every channel shows them.
        self.links = [link for link in self.links if is_web_address(link.url)]

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Answer":
        """The answer a channel finds in `custom.data.answer` (docs/channels.md)."""
        return cls(
            text=data["text"],
            buttons=[Button(b["title"], b["action"], b.get("value")) for b in data.get("buttons") or []],
            links=[Link(link["title"], link["url"]) for link in data.get("links") or []],
            checklist=list(data.get("checklist") or []),
            matter=data.get("matter"),
            kind=data.get("kind") or "answer",
            rating=bool(data.get("rating")),
        )

    def with_rating(self) -> "Answer":
        """The answer with the 满意 / 不满意 buttons after its own."""
        if not self.rating:
            self.buttons += [Button(wording.say("rate_good"), RATE, GOOD), Button(wording.say("rate_bad"), RATE, BAD)]
            self.rating = True
        return self


def choose_button(title: str, code: str) -> Button:
    return Button(title, CHOOSE_MATTER, code)


def matter_answer(matter: Matter, aspect: str, related_names: dict[str, str], near: Iterable[Hall] = ()) -> Answer:
    """One aspect of a matter's guide; the buttons offer the other aspects."""
    build = {
        "overview": _overview, "materials": _materials, "where": lambda m: _where(m, list(near)),
        "steps": _steps, "time": _time, "fee": _fee, "conditions": _conditions, "online": _online,
        "phone": _phone, "legal_basis": _legal_basis, "next": lambda m: _next(m, related_names),
    }[aspect]  # fmt: skip
    answer = build(matter)
    answer.matter = matter.code
    answer.buttons += [
        Button(ASPECT_LABELS[other], ASK, other) for other in ("materials", "where", "time", "online")
        if other != aspect
    ]  # fmt: skip
    if is_web_address(matter.online_url) and not any(link.url == matter.online_url for link in answer.links):
        answer.links.append(Link("网上办理入口", matter.online_url))
    full_guide = guide_link(matter.code)
    if full_guide:
        answer.links.append(full_guide)
    return answer


def guide_path(code: str) -> str:
    """The path of a matter's full guide page (connectors/web)."""
    return f"/guide/{quote(code, safe='')}"


def guide_link(code: str) -> Optional[Link]:
    """The link to the matter's full guide page, which every channel can offer (完整指南 / 打印)."""
    return Link(wording.say("full_guide"), config.public_url() + guide_path(code))


def _title(matter: Matter) -> str:
    return f"【{matter.name}】"


def days_text(days: Optional[int], unit: Optional[str]) -> str:
    if days is None:
        return NOT_PUBLISHED
    return "即办（当场办结）" if days == 0 else f"{days}个{unit or '工作日'}"


def _visits(matter: Matter) -> str:
    if matter.visits is None:
        return ""
    return "可全程网上办理，无需到现场" if matter.visits == 0 else f"最多跑{matter.visits}次"


def _overview(matter: Matter) -> Answer:
    lines = [_title(matter) + f"由{matter.department}办理。"]
    if matter.conditions:
        lines.append("受理条件：" + _short(matter.conditions))
    if matter.materials:
        lines.append(f"申请材料：{len(matter.materials)}项（" + "、".join(m.name for m in matter.materials[:4])
                     + ("等" if len(matter.materials) > 4 else "") + "）")  # fmt: skip
    if matter.steps:
        lines.append("办理流程：" + " → ".join(matter.steps))
    lines.append("承诺时限：" + days_text(matter.promised_days, matter.promised_unit))
    if matter.fee:
        lines.append("收费：" + matter.fee)
    lines.append("办理地点：" + _where_line(matter))
    if _visits(matter):
        lines.append("跑动次数：" + _visits(matter))
    if matter.consult_phone:
        lines.append("咨询电话：" + matter.consult_phone)
    return Answer("\n".join(lines))


def _materials(matter: Matter) -> Answer:
    if not matter.materials:
        return Answer(_title(matter) + f"目录中没有列出申请材料，请致电{matter.consult_phone or '咨询电话'}确认。")
    checklist = [_material_line(m) for m in matter.materials]
    shared = sum(1 for m in matter.materials if m.shared)
    text = _title(matter) + "需要准备以下材料（一次性告知）：\n" + "\n".join(
        f"{i}. {line}" for i, line in enumerate(checklist, 1)
    )
    if shared:
        text += f"\n其中{shared}项标“免提交”的由窗口通过数据共享获取，您不用带。"
    return Answer(text, checklist=checklist)


def _material_line(material) -> str:  # noqa: ANN001
    if material.shared:
        return f"{material.name}（免提交：窗口通过数据共享获取）"
    details = []
    if material.form or material.copies:
        details.append(f"{material.form or ''}{material.copies or ''}{'份' if material.copies else ''}")
    if material.medium:
        details.append(material.medium)
    if not material.required:
        details.append("视情况提供")
    line = material.name + (f"（{'，'.join(d for d in details if d)}）" if any(details) else "")
    return line + (f"；{material.note}" if material.note else "")


def _where_line(matter: Matter) -> str:
    if matter.halls:
        names = "、".join(h.name for h in matter.halls[:3]) + ("等" if len(matter.halls) > 3 else "")
        return names + ("（全区通办，任一大厅均可受理）" if matter.accepted_anywhere else "")
    return matter.location or NOT_PUBLISHED


MAX_HALLS_LISTED = 4
_LEVEL_ORDER = {"区": 0, "街道": 1, "社区": 2}


def _where(matter: Matter, near: list[Hall]) -> Answer:
    if not matter.halls:
        text = _title(matter) + "办理地点：" + (matter.location or NOT_PUBLISHED)
        if matter.visits == 0:
            text += "\n可全程网上办理。"
        return Answer(text)
    accepting = {h.code for h in matter.halls}
    nearest = [h for h in near if h.code in accepting or matter.accepted_anywhere]
    lines = [_title(matter) + ("全区通办，任一大厅均可受理。" if matter.accepted_anywhere else "可以在这些大厅办理：")]
    if near and near[0] not in nearest:
        lines.append(f"{near[0].name}不受理此事项。")
    if nearest:
        lines.append("离您最近的：" + _hall_line(nearest[0], matter))
    shown = {h.code for h in nearest[:1]}
    halls = sorted((h for h in matter.halls if h.code not in shown), key=lambda h: (_LEVEL_ORDER.get(h.level, 3), h.code))
    lines += [_hall_line(h, matter) for h in halls[:MAX_HALLS_LISTED]]
    if len(halls) > MAX_HALLS_LISTED:
        lines.append(f"另有{len(halls) - MAX_HALLS_LISTED}个街道、社区服务点可以受理，告诉我您所在的街道或社区，我帮您找最近的。")
    return Answer("\n".join(lines))


def _hall_line(hall: Hall, matter: Optional[Matter]) -> str:
    window = ""
    if matter and matter.window:
        numbers = [w["number"] for w in hall.windows if w.get("name") == matter.window and w.get("number")]
        window = f"，{matter.window}" + (f"（{numbers[0]}号）" if numbers else "")
    return f"{hall.name}：{hall.address or ''}{window}；办公时间 {hall.hours or NOT_PUBLISHED}；电话 {hall.phone or NOT_PUBLISHED}"


def _steps(matter: Matter) -> Answer:
    if not matter.steps:  # what it takes, then, is the way to know how it goes
        overview = _overview(matter)
        overview.text = "目录中未列出这项业务的办理流程，办理要点如下：\n" + overview.text
        return overview
    return Answer(_title(matter) + "办理流程：" + " → ".join(matter.steps), checklist=list(matter.steps))


def _time(matter: Matter) -> Answer:
    text = (_title(matter) + "承诺时限：" + days_text(matter.promised_days, matter.promised_unit)
            + "；法定时限：" + days_text(matter.statutory_days, matter.statutory_unit) + "。")  # fmt: skip
    return Answer(text)


def _fee(matter: Matter) -> Answer:
    return Answer(_title(matter) + "收费标准：" + (matter.fee or NOT_PUBLISHED))


def _conditions(matter: Matter) -> Answer:
    return Answer(_title(matter) + "受理条件：" + (matter.conditions or NOT_PUBLISHED))


def _online(matter: Matter) -> Answer:
    if is_web_address(matter.online_url):
        text = _title(matter) + "可以网上申请。" + (_visits(matter) + "。" if _visits(matter) else "")
        return Answer(text, links=[Link("网上办理入口", matter.online_url)])
    return Answer(_title(matter) + "目前需要到大厅办理" + (f"，{_visits(matter)}" if _visits(matter) else "") + "。")


def _phone(matter: Matter) -> Answer:
    text = _title(matter) + "咨询电话：" + (matter.consult_phone or NOT_PUBLISHED)
    if matter.complaint_phone:
        text += "；监督投诉电话：" + matter.complaint_phone
    return Answer(text)


def _legal_basis(matter: Matter) -> Answer:
    return Answer(_title(matter) + "设定依据：" + (matter.legal_basis or NOT_PUBLISHED))


def _next(matter: Matter, related_names: dict[str, str]) -> Answer:
    related = [r for r in matter.related if r.related_code in related_names]
    if not related:
        return Answer(_title(matter) + "目录中没有列出通常接着办理的事项。")
    lines = [_title(matter) + "办完后，通常还要办："]
    lines += [f"- {related_names[r.related_code]}" + (f"：{r.note}" if r.note else "") for r in related]
    buttons = [choose_button(related_names[r.related_code], r.related_code) for r in related]
    return Answer("\n".join(lines), buttons=buttons)


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "……"


# --- answers that are not about one matter ----------------------------------------------------
def choose_answer(candidates: list[tuple[str, str, str]], confirm: bool = False) -> Answer:
    """Several close matters: (code, name, department) each, to tap one. `confirm`: the first
    is likely but not sure, so the citizen is asked whether it is the one (您问的是……吗？)."""
    text = wording.say("confirm", name=candidates[0][1]) if confirm else wording.say("choose")
    return Answer(text, buttons=_matter_buttons(candidates) + [none_of_these()], kind="choose")


def none_of_these() -> Button:
    return Button(wording.say("none_of_these"), DENY)


def _matter_buttons(candidates: Sequence[tuple[str, str, str]]) -> list[Button]:
    """One button a matter; the department tells apart matters of the same name."""
    return [choose_button(f"{name}（{department}）" if _same_name(candidates, name) else name, code)
            for code, name, department in candidates]  # fmt: skip


def _same_name(candidates: Sequence[tuple[str, str, str]], name: str) -> bool:
    return sum(1 for _c, n, _d in candidates if n == name) > 1


def not_found_answer(hotline: str, suggestions: Sequence[tuple[str, str, str]] = ()) -> Answer:
    """The catalogue has no such matter. `suggestions` (code, name, department): near matters
    the search could not call, offered below the plain "not found" for a tap."""
    if not suggestions:
        return Answer(wording.say("not_found", hotline=hotline), kind="not_found")
    return Answer(wording.say("not_found_with_suggestions", hotline=hotline),
                  buttons=_matter_buttons(suggestions) + [none_of_these()], kind="not_found")  # fmt: skip


def ask_matter_answer() -> Answer:
    return Answer(wording.say("ask_matter"), kind="ask_matter")


def list_answer(title: str, matters: list[Matter]) -> Answer:
    buttons = [choose_button(m.name, m.code) for m in matters]
    return Answer(title, buttons=buttons, kind="list")


def certificate_answer(certificate: CancelledCertificate) -> Answer:
    text = f"“{certificate.name}”已列入证明事项清理，不用再开。"
    if certificate.instead:
        text += f"现在的做法：{certificate.instead}。"
    if certificate.basis:
        text += f"（依据：{certificate.basis}）"
    return Answer(text, kind="certificate")


def nearest_hall_answer(hall: Hall, metres: float, matter: Optional[Matter]) -> Answer:
    """The nearest hall to a shared location: one that accepts `matter` where there is one."""
    distance = f"{metres / 1000:.1f}公里" if metres >= 1000 else f"{max(100, round(metres, -2)):.0f}米"
    if matter is None:
        text = wording.say("nearest_hall_any", hall=_hall_line(hall, None), distance=distance)
    else:
        text = wording.say("nearest_hall", matter=matter.name, hall=_hall_line(hall, matter), distance=distance)
    return Answer(text, matter=matter.code if matter else None, kind="nearest_hall")


def status_help_answer(text: str, cancel: bool = True) -> Answer:
    """The status form's help when it cannot use what was typed, with the ways out as buttons:
    取消查询 (while the form still asks) and 转人工."""
    handoff = Button(wording.say("handoff_button"), HANDOFF_ACTION)
    buttons = [Button(wording.say("cancel_status"), DENY), handoff] if cancel else [handoff]
    return Answer(text, buttons=buttons, kind="status_help")
