"""The bot's messages of one turn as WeChat text: the channel-neutral answer where the message
carries one (`custom.data.answer`, docs/channels.md), else the message's text and buttons.

- Links to http(s) addresses become `<a href>` (WeChat shows them as links in text); every
  other text is made inert (`inert`): no catalogue or platform text can be markup.
- Buttons become numbered options, numbered across the whole turn; a reply of just the number
  picks one (`connectors/wechat/choices.py` finds them again in the conversation).
- Text is split into messages within WeChat's limit, in order, only between lines: a checklist
  item or an option is never cut."""
from __future__ import annotations

import html
from dataclasses import dataclass, field

from bot import wording
from bot.answers import Answer

# WeChat takes 2,048 bytes of text a message (passive reply and customer-service message); a
# little is kept for the XML's escaping.
MAX_BYTES = 2000


@dataclass
class Option:
    title: str
    payload: str  # what picking it sends to Rasa


@dataclass
class Rendered:
    parts: list[str] = field(default_factory=list)  # messages to send, in order
    options: list[Option] = field(default_factory=list)
    handoff: bool = False  # the bot handed over to a person (转人工 or a complaint)
    unnumbered: list[str] = field(default_factory=list)  # the parts without the options, for msgmenu


def render_turn(responses: list[dict]) -> Rendered:
    """`responses`: the bot's messages as Rasa hands them to an output channel."""
    rendered = Rendered()
    blocks: list[str] = []
    texts: list[str] = []  # the same without the options
    for response in responses:
        data = (response.get("custom") or {}).get("data") or {}
        if data.get("handoff"):
            rendered.handoff = True
        answer = _answer_of(data)
        text = _answer_text(answer) if answer else inert(response.get("text") or "")
        buttons = [b for b in response.get("buttons") or [] if b.get("title") and b.get("payload")]
        if text or buttons:
            first = len(rendered.options) + 1
            rendered.options += [Option(b["title"], b["payload"]) for b in buttons]
            blocks.append("\n".join(filter(None, [text, _options_block(buttons, first)])))
            texts.append(text)
    rendered.parts = split("\n\n".join(blocks)) if blocks else []
    rendered.unnumbered = split("\n\n".join(filter(None, texts)))
    return rendered


def _answer_of(data: dict):  # noqa: ANN202
    try:
        return Answer.from_dict(data["answer"]) if isinstance(data.get("answer"), dict) else None
    except (KeyError, TypeError):
        return None


def inert(text: str) -> str:
    """Text from the catalogue, a status platform or anywhere else, made unable to be markup in
    WeChat (which shows `<a href>` in text as a link): its brackets and ampersands become their
    full-width forms, which read the same."""
    return text.translate(_INERT)


_INERT = str.maketrans({"<": "＜", ">": "＞", "&": "＆"})


def _answer_text(answer: Answer) -> str:
    lines = [inert(answer.text)]
    # An Answer holds only http(s) links (Answer.__post_init__).
    lines += [f'<a href="{html.escape(link.url.strip(), quote=True)}">{inert(link.title)}</a>' for link in answer.links]
    return "\n".join(lines)


def _options_block(buttons: list[dict], first: int) -> str:
    if not buttons:
        return ""
    lines = [wording.say("reply_with_number")]
    lines += [f"{number}. {inert(b['title'])}" for number, b in enumerate(buttons, first)]
    return "\n".join(lines)


def split(text: str, limit: int = MAX_BYTES) -> list[str]:
    """Messages of at most `limit` UTF-8 bytes, broken between lines; a single line longer than
    that is broken after a sentence's end (。；) where it can be."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _line_pieces(line, limit):
            joined = f"{current}\n{piece}" if current else piece
            if _size(joined) <= limit:
                current = joined
            else:
                parts.append(current)
                current = piece
    if current.strip():
        parts.append(current)
    return [part.strip("\n") for part in parts if part.strip()]


def _line_pieces(line: str, limit: int) -> list[str]:
    if _size(line) <= limit:
        return [line]
    pieces, current = [], ""
    for sentence in _sentences(line):
        while _size(sentence) > limit:  # no sentence end in reach: cut by bytes
            cut = _fit(sentence, limit)
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        if _size(current + sentence) > limit:
            pieces.append(current)
            current = ""
        current += sentence
    return pieces + ([current] if current else [])


def _sentences(line: str) -> list[str]:
    sentences, start = [], 0
    for i, ch in enumerate(line):
        if ch in "。；;！？":
            sentences.append(line[start:i + 1])
            start = i + 1
    return sentences + ([line[start:]] if start < len(line) else [])


def _fit(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` bytes."""
    size = 0
    for i, ch in enumerate(text):
        size += len(ch.encode("utf-8"))
        if size > limit:
            return max(i, 1)
    return len(text)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))
