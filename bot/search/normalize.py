"""Text normalisation shared by the index and the query: one form for the same words."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_QUERY_CHARS = 200  # a citizen's question is short; a pasted essay is cut, not refused

_KEEP = re.compile(r"[^\u3400-\u9fffa-z0-9]+")
_PARENS = re.compile(r"[（(]([^（）()]*)[)）]")
_STATE_TITLE = "中华人民共和国"


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def normalize(text: str, limit: int | None = None) -> str:
    """Full-width to half-width, traditional to simplified, lower case, and only Chinese
    characters, letters and digits left (punctuation, emoji, markup and spaces go)."""
    text = unicodedata.normalize("NFKC", text or "")
    if limit:
        text = text[: limit * 2]
    text = to_simplified(text).lower()
    text = _KEEP.sub("", text)
    return text[:limit] if limit else text


def name_parts(name: str) -> tuple[list[str], list[str]]:
    """A catalogue name read two ways: the names (`A(B)` and `A`) and its qualifiers (`B`),
    which match words but are no name of their own. 《书名号》 marks are dropped, and a name
    that begins with the state's title (《中华人民共和国残疾人证》换领) is also read without it,
    as citizens say it."""
    name = name.replace("《", "").replace("》", "")
    names = [name]
    if name.startswith(_STATE_TITLE) and len(name) > len(_STATE_TITLE):
        names.append(name[len(_STATE_TITLE):])
    inner = _PARENS.findall(name)
    if not inner:
        return names, []
    return names + [_PARENS.sub("", n) for n in names], inner
