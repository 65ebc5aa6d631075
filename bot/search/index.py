"""An in-memory index of the active matters' names, built from the database.

Matching works on words: a query word matches a matter when it (or a word it stands for in the
lexicon) occurs in one of the matter's names, or occurs there as an abbreviation (社保卡 in
社会保障卡: the same characters in order, a few apart)."""
from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional

from bot.search.lexicon import Lexicon
from bot.search.normalize import name_parts, normalize

# Generic words in names that say nothing about which matter it is (dropped like query fillers).
_NAME_NOISE = re.compile("办理|申请|申办|手续|业务|服务事项|事项")
_USUAL_VARIANT = re.compile("新申请|首次|初次|新办|大陆居民")
_PROGRESS_LOOKUP = re.compile(r"进度查询$")  # 护照办证进度查询: the progress of another matter
SYNONYM_WEIGHT = 0.95  # a match through the lexicon (退休金 for 养老金)
ABBREVIATION_WEIGHT = 0.8  # a match as an abbreviation (社保卡 in 社会保障卡)
MIN_ABBREVIATED = 3  # two characters far apart are chance (失业 in 遗失毕业证书), three are not
VOCABULARY_FREQ = 2000  # jieba word frequency given to catalogue and lexicon words
COMMON_CHAR_SHARE = 0.1  # a lone character in more than this share of matters is no evidence
TERM_CACHE_SIZE = 50_000  # words whose matches are kept
NAME_SEPARATOR = "|"  # never in a normalised name


@dataclass(frozen=True)
class IndexedMatter:
    code: str
    name: str
    department: str
    texts: tuple[str, ...]  # normalised names and aliases, then the qualifiers in their brackets
    named: int  # how many of `texts` are names (the rest only match words)
    usual_variant: bool  # 新申请/首次/大陆居民…: what someone means who names no variant
    progress_lookup: bool  # …进度查询: how far an application has got, not the matter itself
    markers: frozenset[str] = frozenset()  # the marked variant its name is (外国人…, 摩托车…)
    joined: str = ""  # all texts in one string, for a first quick look
    department_text: str = ""  # the department, normalised

    def __post_init__(self):
        object.__setattr__(self, "joined", NAME_SEPARATOR.join(self.texts))
        object.__setattr__(self, "department_text", normalize(self.department or ""))


@dataclass
class TermMatch:
    weight: float
    spans: dict[int, frozenset[int]]  # text number -> covered character positions


def _unique_texts(raw_texts: list[str]) -> list[str]:
    texts: list[str] = []
    for raw in raw_texts:
        text = _NAME_NOISE.sub("", normalize(raw)) or normalize(raw)
        if text and text not in texts:
            texts.append(text)
    return texts


@lru_cache(maxsize=20000)
def char_pinyin(char: str) -> str:
    from pypinyin import lazy_pinyin

    return lazy_pinyin(char)[0]


def word_pinyin(word: str) -> str:
    return " ".join(char_pinyin(c) for c in word)


def _kept(cache: dict, key, compute):  # noqa: ANN001, ANN202
    """`cache[key]`, computed on first use; a full cache starts again (TERM_CACHE_SIZE)."""
    found = cache.get(key)
    if found is None:
        if len(cache) >= TERM_CACHE_SIZE:
            cache.clear()
        found = cache[key] = compute()
    return found


def _abbreviation_pattern(word: str) -> re.Pattern:
    gap = "[^%s]{0,%d}?" % (NAME_SEPARATOR, max(2, len(word)))
    return re.compile(gap.join(f"({re.escape(c)})" for c in word))


class MatterIndex:
    def __init__(self, matters: Iterable[tuple[str, str, str, list[str]]], lexicon: Lexicon):
        """`matters` yields (code, name, department, other names) of each active matter."""
        self.lexicon = lexicon
        self.matters: list[IndexedMatter] = []
        self.postings: dict[str, set[int]] = defaultdict(set)
        for code, name, department, others in matters:
            own_names, qualifiers = name_parts(name)
            names = list(own_names)
            for raw in others:
                whole, inner = name_parts(raw)
                names += whole
                qualifiers += inner
            texts = _unique_texts(names)
            named = len(texts)
            texts += [t for t in _unique_texts(qualifiers) if t not in texts]
            number = len(self.matters)
            usual = bool(_USUAL_VARIANT.search(name))
            progress = bool(_PROGRESS_LOOKUP.search(normalize(own_names[-1])))
            markers = frozenset(marker for marker in lexicon.marked_variants if marker in normalize(name))
            self.matters.append(IndexedMatter(code, name, department, tuple(texts), named, usual, progress, markers))
            for text in texts:
                for char in text:
                    self.postings[char].add(number)
        self._numbers = {matter.code: number for number, matter in enumerate(self.matters)}
        self._char_weights = self._weigh_characters()
        self._patterns: dict[str, re.Pattern] = {}
        self._term_cache: dict[tuple[str, bool], dict[int, TermMatch]] = {}
        self._occurs_cache: dict[str, bool] = {}
        self._tokenizer = None
        self._pinyin_words: Optional[dict[str, str]] = None

    def number_of(self, code: str) -> int:
        return self._numbers[code]

    # --- vocabulary: jieba's user dictionary and the pinyin typo map -------------------------
    def vocabulary(self, cut) -> Counter:  # noqa: ANN001
        """Words worth keeping whole: short names and aliases, lexicon words, and the words of
        names as jieba cuts them."""
        words: Counter = Counter()
        for matter in self.matters:
            for text in matter.texts:
                if 2 <= len(text) <= 8:
                    words[text] += 1
                for word in cut(text, HMM=False) if len(text) > 8 else ():
                    if len(word) >= 2:
                        words[word] += 1
        for word, alts in self.lexicon.synonyms.items():
            words[word] += 1
            for alt in alts:
                words[alt] += 1
        return words

    def tokenizer(self):
        if self._tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            vocabulary = self.vocabulary(tokenizer.lcut)
            for word in vocabulary:
                # Catalogue and lexicon words must stay whole (上牌, not 上/牌): give them at least a
                # common word's frequency.
                if tokenizer.FREQ.get(word, 0) < VOCABULARY_FREQ:
                    tokenizer.add_word(word, freq=VOCABULARY_FREQ)
            self._tokenizer = tokenizer
            self._vocabulary = vocabulary
        return self._tokenizer

    def pinyin_words(self) -> dict[str, str]:
        """Toneless pinyin -> the catalogue word, for correcting homophone typos (社宝卡)."""
        if self._pinyin_words is None:
            self.tokenizer()
            by_pinyin: dict[str, str] = {}
            for word, _count in self._vocabulary.most_common():
                if 2 <= len(word) <= 6:
                    by_pinyin.setdefault(word_pinyin(word), word)
            self._pinyin_words = by_pinyin
        return self._pinyin_words

    def tokenizer_vocabulary(self) -> set[str]:
        """The words added to jieba's dictionary for this catalogue."""
        self.tokenizer()
        return set(self._vocabulary)

    def is_known_word(self, word: str) -> bool:
        tokenizer = self.tokenizer()
        return bool(tokenizer.FREQ.get(word)) or word in self._vocabulary

    def too_common(self, term: str) -> bool:
        """A lone character in a tenth of all names (证, 办) tells no matter from another."""
        return len(term) == 1 and len(self.postings.get(term, ())) > COMMON_CHAR_SHARE * len(self.matters)

    def sub_words(self, word: str) -> list[str]:
        """The dictionary words inside a longer word (退休年龄 -> 退休, 年龄)."""
        return [w for w in self.tokenizer().lcut(word, cut_all=True) if 2 <= len(w) < len(word)]

    def occurs(self, text: str) -> bool:
        """Whether `text` occurs as written in any matter's names (answers kept, as for terms)."""
        return _kept(self._occurs_cache, text, lambda: any(
            text in t for number in self._candidates(text) for t in self.matters[number].texts
        ))  # fmt: skip

    # --- matching ------------------------------------------------------------------------------
    def match_term(self, term: str, synonyms: bool = True) -> dict[int, TermMatch]:
        """Matters whose names hold `term` (or, with `synonyms`, a word it stands for), with the
        best weight per matter. Citizens use the same words again and again: answers are kept."""
        return _kept(self._term_cache, (term, synonyms), lambda: self._match_term(term, synonyms))

    def _match_term(self, term: str, synonyms: bool) -> dict[int, TermMatch]:
        found: dict[int, TermMatch] = {}
        alternatives = [(term, 1.0)]
        if synonyms:
            alternatives += [(alt, SYNONYM_WEIGHT) for alt in self.lexicon.synonyms.get(term, ())]
        for word, weight in alternatives:
            for number in self._candidates(word):
                match = self._match_in_matter(word, weight, self.matters[number])
                if match and (number not in found or match.weight > found[number].weight):
                    found[number] = match
        return found

    def _candidates(self, word: str) -> set[int]:
        postings = [self.postings.get(char) for char in set(word)]
        if not postings or any(p is None for p in postings):
            return set()
        postings.sort(key=len)
        return set.intersection(*postings)

    def _match_in_matter(self, word: str, weight: float, matter: IndexedMatter) -> Optional[TermMatch]:
        # One look at all the names together first: most candidates hold the characters only.
        abbreviated = len(word) >= MIN_ABBREVIATED
        if word not in matter.joined and not (abbreviated and self._pattern(word).search(matter.joined)):
            return None
        spans: dict[int, frozenset[int]] = {}
        best = 0.0
        for number, text in enumerate(matter.texts):
            start = text.find(word)
            if start >= 0:
                spans[number] = frozenset(range(start, start + len(word)))
                best = max(best, weight)
                continue
            if not abbreviated:
                continue
            found = self._pattern(word).search(text)
            if found:
                spans[number] = frozenset(found.start(g) for g in range(1, len(word) + 1))
                best = max(best, weight * ABBREVIATION_WEIGHT)
        return TermMatch(best, spans) if spans else None

    def _pattern(self, word: str) -> re.Pattern:
        pattern = self._patterns.get(word)
        if pattern is None:
            pattern = self._patterns[word] = _abbreviation_pattern(word)
        return pattern

    def name_coverage(self, matter: IndexedMatter, matches: list[TermMatch]) -> float:
        """The largest share of one of the matter's names the question covers, each character
        weighted by its rarity: leaving out 外国人永久居留 of 外国人永久居留身份证 leaves out most."""
        best = 0.0
        for number in range(matter.named):
            positions: set[int] = set()
            for match in matches:
                positions |= match.spans.get(number, frozenset())
            if positions:
                weights = self._char_weights[matter.code][number]
                best = max(best, sum(weights[i] for i in positions) / weights[-1])
        return best

    def _weigh_characters(self) -> dict[str, list[list[float]]]:
        """Per matter and name, each character's rarity, and their sum last."""
        idf = {char: self.idf(len(numbers)) for char, numbers in self.postings.items()}
        weights = {}
        for matter in self.matters:
            rows = []
            for text in matter.texts[: matter.named]:
                row = [idf[char] for char in text]
                rows.append(row + [sum(row)])
            weights[matter.code] = rows
        return weights

    def idf(self, document_frequency: int) -> float:
        return math.log(1 + len(self.matters) / (document_frequency + 0.5))
