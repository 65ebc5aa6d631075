"""Find the matter a citizen's sentence is about: ranked candidates and a decision."""
from __future__ import annotations

import gc
import heapq
import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from sqlalchemy import select

from bot import db
from bot.models import ACTIVE, Matter
from bot.search.dense.embedder import Embedder, load_embedder
from bot.search.dense.rerank_text import card_text
from bot.search.dense.reranker import Reranker, chances, load_reranker
from bot.search.dense.vectors import VectorIndex, active_matter_texts, embed_missing
from bot.search.index import MatterIndex, TermMatch, word_pinyin
from bot.search.lexicon import Lexicon, load_lexicon
from bot.search.normalize import MAX_QUERY_CHARS, normalize
from bot.search.tuning import Tuning, tuning_for
from bot.store import RevisionWatch

MATCH = "match"
AMBIGUOUS = "ambiguous"
NONE = "none"

CONTEXT_WEIGHT = 0.15  # how much a context word (奶奶, 今年) missing from a matter counts against it
SINGLE_CHAR_WEIGHT = 0.5  # a lone character (车, 花) says less than a word …
SINGLE_CHAR_ABSENCE = 0.5  # … and costs less still where a matter's names lack it
UNMATCHED_WEIGHT = 0.3  # and any word no matter's names hold (people say more than the name) …
UNKNOWN_DOCUMENT_WEIGHT = 1.0  # … but a document no matter issues (护照, 通行证) counts in full:
# the question is about a matter the catalogue lacks, however well 换, 续, 办 match.
DEPARTMENT_WEIGHT = 0.5  # a word naming the matter's department (税务局) is half a match
MAX_JOINED_CHARACTERS = 4  # lone characters joined into one word: 工 + 亡 -> 工亡
MAX_CANDIDATES = 5
_PROGRESS_CUE = re.compile("查|进度|进展|到哪|哪一步|审到|结果|状态|好了没|办好没|下来没|下来了")
_DOCUMENT = re.compile(r".+(证|照|卡|签注)$")  # 护照, 通行证, 许可证, 营业执照, 公交卡
_NUMBER = re.compile(r"^[0-9零一二三四五六七八九十百千万两几]+[岁周年月天日号个多]*$")
HYBRID = "hybrid"  # lexical and dense retrievers fused
LEXICAL = "lexical"  # the sentence model is off or could not load
_LEFT_OUT = object()  # an embedder or reranker argument left out: BOT_EMBEDDER, BOT_RERANKER decide
logger = logging.getLogger(__name__)


@dataclass
class Candidate:
    code: str
    name: str
    department: str
    score: float
    query_coverage: float = 0.0
    name_coverage: float = 0.0
    lexical: float = 0.0  # the lexical score alone
    cosine: float = -1.0  # the question's best cosine with the matter's texts (-1: not embedded)
    named: bool = False  # the question says the matter's name or an alias outright
    chance: float = -1.0  # the reranker's chance that this is the matter asked for (-1: not reranked)
    said: frozenset[str] = frozenset()  # the question's words found in the matter's names

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "department": self.department, "score": round(self.score, 4),
                "lexical": round(self.lexical, 4), "cosine": round(float(self.cosine), 4),
                "chance": round(float(self.chance), 4)}


@dataclass
class SearchResult:
    query: str
    decision: str
    candidates: list[Candidate] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    suggestions: list[Candidate] = field(default_factory=list)  # with `none`: near matters worth offering
    confirm: bool = False  # ambiguous between the best candidate and none: asked back (您问的是……吗？)

    @property
    def best(self) -> Optional[Candidate]:
        return self.candidates[0] if self.candidates else None

    @property
    def names_a_matter(self) -> bool:
        """The question says the best candidate's name or an alias outright (档案接收是办什么的)."""
        return self.decision != NONE and self.best is not None and self.best.named

    def as_dict(self) -> dict:
        return {"q": self.query, "decision": self.decision, "candidates": [c.as_dict() for c in self.candidates]}


class MatterSearch:
    """Searches the catalogue in the database. The indexes are rebuilt when an import has
    changed the catalogue (checked at most every `refresh_seconds`), so no retraining is needed:
    the first build happens in the caller (the action server does it at start-up), later ones in
    a background thread while the old indexes keep answering."""

    def __init__(self, database_url: Optional[str] = None, refresh_seconds: float = 5.0,
                 lexicon: Optional[Lexicon] = None, tuning: Optional[Tuning] = None,
                 embedder: Optional[Embedder] = _LEFT_OUT,  # type: ignore[assignment]
                 catalogue: Optional[RevisionWatch] = None,
                 reranker: Optional[Reranker] = _LEFT_OUT):  # type: ignore[assignment]
        self.database_url = database_url
        self.lexicon = lexicon or load_lexicon()
        self._tuning = tuning  # None: the values fitted for the sentence model that loads
        self._embedder = embedder
        self._reranker = reranker
        self._indexes: Optional[tuple[MatterIndex, Optional[VectorIndex]]] = None
        self._cards: dict[str, str] = {}  # what the reranker reads of each matter
        self._revision = -1  # the catalogue revision the indexes were built from
        self._catalogue = catalogue or RevisionWatch(database_url, refresh_seconds)
        self._lock = threading.Lock()
        self._rebuilding: Optional[threading.Thread] = None

    def index(self) -> MatterIndex:
        return self.indexes()[0]

    def indexes(self) -> tuple[MatterIndex, Optional[VectorIndex]]:
        """The lexical index and the vector index (None in lexical mode), built from the same
        catalogue revision and swapped together."""
        revision = self._catalogue.revision()
        with self._lock:
            if self._indexes is None:
                self._install(self._build(), revision)
            elif revision != self._revision and self._rebuilding is None:
                self._rebuilding = threading.Thread(target=self._rebuild, args=(revision,), name="search-rebuild",
                                                    daemon=True)  # fmt: skip
                self._rebuilding.start()
            return self._indexes

    def wait_for_rebuild(self, timeout: float = 120) -> None:
        """Until a rebuild in the background, if one runs, is done (tests, the CLI)."""
        rebuilding = self._rebuilding
        if rebuilding is not None:
            rebuilding.join(timeout)

    def _rebuild(self, revision: int) -> None:
        try:
            built = self._build()
            with self._lock:
                self._install(built, revision)
        except Exception:  # noqa: BLE001 - the old indexes go on answering; the next look retries
            logger.exception("could not rebuild the search indexes; the previous ones stay")
        finally:
            self._rebuilding = None

    def _install(self, built: tuple[MatterIndex, Optional[VectorIndex], dict[str, str]], revision: int) -> None:
        *indexes, self._cards = built
        self._indexes, self._revision = tuple(indexes), revision  # type: ignore[assignment]
        # The index and jieba's dictionary are millions of long-lived objects:
        # keep the collector from walking them on every full collection.
        gc.collect()
        gc.freeze()

    @property
    def embedder(self) -> Optional[Embedder]:
        if self._embedder is _LEFT_OUT:
            self._embedder = load_embedder()
        return self._embedder

    @property
    def reranker(self) -> Optional[Reranker]:
        """Only with a sentence model: without one the engine is missing or switched off."""
        if self._reranker is _LEFT_OUT:
            self._reranker = load_reranker() if self.embedder is not None else None
        return self._reranker

    @property
    def tuning(self) -> Tuning:
        if self._tuning is None:
            reranker = self.reranker
            self._tuning = tuning_for(self.embedder.name if self.embedder is not None else None,
                                      reranker.name if reranker is not None else None)
        return self._tuning

    @tuning.setter
    def tuning(self, tuning: Tuning) -> None:
        self._tuning = tuning

    @property
    def mode(self) -> str:
        """`hybrid`, or `lexical` when the sentence model is off or could not load."""
        return HYBRID if self.embedder is not None else LEXICAL

    def _build(self) -> tuple[MatterIndex, Optional[VectorIndex], dict[str, str]]:
        embedder = self.embedder
        with db.session_scope(self.database_url) as session:
            rows = session.execute(
                select(Matter.code, Matter.name, Matter.department, Matter.short_name, Matter.aliases,
                       Matter.conditions)
                .where(Matter.status == ACTIVE)
                .order_by(Matter.id)
            ).all()
            # The same matters in the same order as the lexical index.
            texts = active_matter_texts(session) if embedder is not None else None
        vectors = None
        if embedder is not None:
            embedded = embed_missing(self.database_url, embedder, texts)
            if embedded and embedded.embedded:
                logger.warning("embedded %d catalogue texts that had no stored vector", embedded.embedded)
            with db.session_scope(self.database_url) as session:
                vectors = VectorIndex.load(session, texts, embedder)
        names = ((code, name, dept, [n for n in [short, *(aliases or [])] if n]) for code, name, dept, short, aliases, _c in rows)
        index = MatterIndex(names, self.lexicon)
        index.pinyin_words()  # build the tokenizer and typo map now, not on a citizen's first question
        cards = {code: card_text(name, short, aliases or [], conditions)
                 for code, name, _dept, short, aliases, conditions in rows} if self.reranker is not None else {}
        return index, vectors, cards

    # --- the search ------------------------------------------------------------------------------
    def search(self, question: str, limit: int = MAX_CANDIDATES) -> SearchResult:
        terms, ranked = self.rank(question, limit)
        return self._decide(question, terms, ranked, limit)

    def rank(self, question: str, limit: int = MAX_CANDIDATES) -> tuple[list[str], list[Candidate]]:
        """The question's words and the best-scoring matters, before any decision: candidates of
        the lexical and the dense retriever, fused."""
        index, vectors = self.indexes()
        text = normalize(question, MAX_QUERY_CHARS)
        tokens = self._tokens(text, index)
        terms = self._content_words(tokens)
        asks_progress = bool(_PROGRESS_CUE.search(text))
        lexical = self._score(terms, index, self.tuning.pool, asks_progress)
        if vectors is None or not text or self._lexically_certain(lexical):  # None: lexical mode
            return terms, self._alone(lexical, limit)
        # Embedded after the typo correction (社宝卡 -> 社保卡): the model never saw the typo.
        corrected = "".join(tokens)
        cosines = vectors.cosines(self.embedder.query(corrected), self.tuning.secondary_discount)
        fused = self._fuse(lexical, cosines, index, asks_progress, self._markers_said(text))
        return terms, self._rerank(corrected, fused)[:limit]

    def _rerank(self, question: str, fused: list[Candidate]) -> list[Candidate]:
        """The first few candidates with the reranker's chance added to their fused score (a
        share of it: alone, the reranker ordered them worse than the fusion, blended it orders
        them better), in that order; the rest after them as fused. Unchanged without a reranker."""
        reranker, count = self.reranker, self.tuning.rerank_candidates
        head = [c for c in fused[:count] if c.code in self._cards]
        if reranker is None or not head:
            return fused
        for candidate, chance in zip(head, chances(reranker.scores(question, [self._cards[c.code] for c in head]))[0]):
            candidate.chance = float(chance)
            candidate.score += self.tuning.rerank_weight * candidate.chance
        head.sort(key=lambda c: -c.score)  # stable: equal scores keep the fused order
        return head + [c for c in fused if c.chance < 0]

    def _markers_said(self, text: str) -> frozenset[str]:
        """The marked variants (外国人, 摩托车) the question names, by any word for them."""
        markers = self.lexicon.marked_variants
        return frozenset(marker for marker, words in markers.items() if any(word in text for word in words))

    def _lexically_certain(self, lexical: list[Candidate]) -> bool:
        """A question that names one matter outright and scores high needs no embedding."""
        if not lexical or lexical[0].score < self.tuning.skip_dense_above or not self._names_it(lexical[0]):
            return False
        return len(lexical) == 1 or lexical[1].score < self.tuning.close_ratio * lexical[0].score

    def _alone(self, lexical: list[Candidate], limit: int) -> list[Candidate]:
        for candidate in lexical:
            candidate.lexical = candidate.score
            candidate.named = self._names_it(candidate)
        return lexical[:limit]

    def _fuse(self, lexical: list[Candidate], cosines: np.ndarray, index: MatterIndex,
              asks_progress: bool, markers_said: frozenset[str]) -> list[Candidate]:
        """score = w * lexical + (1 - w) * cosine rescaled to [0, 1] between the floor and the
        ceiling, over the union of both retrievers' best candidates; a little less for a
        marked variant (外国人…, 摩托车…) the question never names."""
        tuning = self.tuning
        by_code = {c.code: c for c in lexical}
        numbers = {c.code: n for n, c in ((index.number_of(c.code), c) for c in lexical)}
        for number in heapq.nlargest(tuning.pool, range(len(cosines)), key=cosines.__getitem__):
            matter = index.matters[number]
            numbers.setdefault(matter.code, number)
            if matter.code not in by_code:
                by_code[matter.code] = Candidate(matter.code, matter.name, matter.department, 0.0)
        fused: list[tuple[Candidate, bool]] = []
        span = tuning.cosine_ceiling - tuning.cosine_floor
        for code, candidate in by_code.items():
            number = numbers[code]
            matter = index.matters[number]
            cosine = float(cosines[number])
            dense = min(1.0, max(0.0, (cosine - tuning.cosine_floor) / span))
            if matter.progress_lookup and not asks_progress:
                dense *= tuning.progress_unasked
            candidate.lexical, candidate.cosine = candidate.score, cosine
            candidate.named = self._names_it(candidate)
            candidate.score = tuning.lexical_weight * candidate.lexical + (1 - tuning.lexical_weight) * dense
            if matter.markers - markers_said:
                candidate.score *= tuning.unsaid_marker
            if candidate.score > 0:  # 0: neither retriever found anything of it
                fused.append((candidate, matter.usual_variant))
        fused.sort(key=lambda item: (-round(item[0].score, 3), -item[1], -item[0].name_coverage, len(item[0].name)))
        return [candidate for candidate, _usual in fused]

    def terms(self, question: str) -> list[str]:
        """The question's content words: normalised, typos corrected, fillers dropped."""
        return self._words(normalize(question, MAX_QUERY_CHARS), self.index())

    def _words(self, text: str, index: MatterIndex) -> list[str]:
        return self._content_words(self._tokens(text, index))

    def _tokens(self, text: str, index: MatterIndex) -> list[str]:
        """The question cut into words, typos corrected; joined again, the corrected question."""
        # Without HMM, characters jieba does not know stay single, where typos can be found.
        tokens = self._correct_typos(index.tokenizer().lcut(text, HMM=False), index)
        return _join_lone_characters(tokens, index, self.lexicon.fillers)

    def _content_words(self, tokens: list[str]) -> list[str]:
        words: list[str] = []
        for word in tokens:
            if word in self.lexicon.fillers or word in words:
                continue
            words.append(word)
        return words

    def _correct_typos(self, tokens: list[str], index: MatterIndex) -> list[str]:
        """Replace a run of tokens that sounds like a catalogue word but is spelt otherwise by
        that word (社宝卡 -> 社保卡): pinyin input puts a wrong character of the same sound.
        Runs start and end at token boundaries, so no real word is cut apart."""
        by_pinyin = index.pinyin_words()
        out: list[str] = []
        i = 0
        while i < len(tokens):
            replaced = False
            for j in range(min(len(tokens), i + 6), i, -1):
                window = "".join(tokens[i:j])
                if not 2 <= len(window) <= 6 or (j - i == 1 and index.is_known_word(window)):
                    continue
                word = by_pinyin.get(word_pinyin(window))
                if word and word != window and _close_spelling(window, word) and not index.occurs(window):
                    out.append(word)
                    i, replaced = j, True
                    break
            if not replaced:
                out.append(tokens[i])
                i += 1
        return out

    def _match_terms(self, terms: list[str], index: MatterIndex) -> dict[str, dict]:
        """Each term's matches. A compound the catalogue does not know (迁出去, 退休年龄) is
        matched through the shorter words it contains."""
        matches: dict[str, dict] = {}
        for term in terms:
            if index.too_common(term):
                continue
            found = index.match_term(term)
            if not found and len(term) >= 3:
                # The parts as written: their synonyms would stray too far from the compound.
                parts = {p: index.match_term(p, synonyms=False) for p in index.sub_words(term) if p not in self.lexicon.fillers}
                if any(parts.values()):
                    matches.update(parts)
                    continue
            matches[term] = found
        return matches

    def _score(self, terms: list[str], index: MatterIndex, limit: int, asks_progress: bool) -> list[Candidate]:
        """Each candidate's score: how much of the question its names explain (words weighted
        by rarity), times how much of its name the question covers; a progress lookup counts
        less unless the question asks how far something has got (护照 materials are not
        护照办证进度查询)."""
        matches = self._match_terms(terms, index)
        # A word counts `weight` where a matter's names hold it and `absence` where they do not:
        # rare words weigh most; a lone character or a context word (奶奶, 广州) costs little
        # when missing, since people say more than the name of what they want.
        weight: dict[str, float] = {}
        absence: dict[str, float] = {}
        unknown_documents = _unknown_documents(matches)
        for term, found in matches.items():
            idf = index.idf(len(found))
            single = len(term) == 1
            context = term in self.lexicon.context or bool(_NUMBER.match(term))
            weight[term] = idf * (SINGLE_CHAR_WEIGHT if single else 1.0)
            missing = CONTEXT_WEIGHT if context else SINGLE_CHAR_ABSENCE if single else 1.0
            unmatched = UNKNOWN_DOCUMENT_WEIGHT if term in unknown_documents and not context else UNMATCHED_WEIGHT
            absence[term] = weight[term] * missing * (1.0 if found else unmatched)
        all_absent = sum(absence.values())
        if all_absent <= 0:
            return []
        gathered: dict[int, list[tuple[str, TermMatch]]] = {}
        for term, found in matches.items():
            for number, match in found.items():
                gathered.setdefault(number, []).append((term, match))
        # A place (广州, 广东) is in nearly every department's name and says nothing of the matter.
        department_words = [t for t in matches if len(t) >= 2 and t not in self.lexicon.context]
        _add_department_words(gathered, department_words, index)

        def coverage_of(hits: list[tuple[str, TermMatch]]) -> float:
            held = sum(weight[term] * match.weight for term, match in hits)
            missed = all_absent - sum(absence[term] for term, _match in hits)
            return held / (held + missed) if held else 0.0

        by_coverage = sorted(
            ((coverage_of(hits), number, hits) for number, hits in gathered.items()),
            key=lambda item: -item[0],
        )  # fmt: skip
        scored: list[tuple[Candidate, bool]] = []
        listed: list[float] = []  # a heap of the best `limit` scores
        best = floor = 0.0
        for query_coverage, number, hits in by_coverage:
            # A score never exceeds the query coverage: once that is below both the close share
            # of the best and the last listed score, no later candidate can rank.
            if query_coverage < floor:
                break
            matter = index.matters[number]
            name_coverage = index.name_coverage(matter, [match for _term, match in hits])
            score = combine(query_coverage, name_coverage)
            if matter.progress_lookup and not asks_progress:
                score *= self.tuning.progress_unasked
            candidate = Candidate(matter.code, matter.name, matter.department, score, query_coverage, name_coverage,
                                  said=frozenset(term for term, _match in hits))
            scored.append((candidate, matter.usual_variant))
            best = max(best, candidate.score)
            heapq.heappush(listed, candidate.score)
            if len(listed) > limit:
                heapq.heappop(listed)
            if len(listed) == limit:
                floor = min(self.tuning.close_ratio * best, listed[0])
        # Ties go to the usual variant (新申请 before 遗失补办), then to the fuller, shorter name.
        scored.sort(key=lambda item: (-round(item[0].score, 3), -item[1], -item[0].name_coverage, len(item[0].name)))
        return [candidate for candidate, _usual in scored]

    def _names_it(self, candidate: Candidate) -> bool:
        """The question holds the matter's name or an alias, among other things it says."""
        return (candidate.name_coverage >= self.tuning.named_coverage
                and candidate.query_coverage >= self.tuning.named_query_coverage)

    def _close(self, candidate: Candidate, best: Candidate) -> bool:
        """Too close to the best to call. A cosine within the model's noise of the best's counts
        as equal. Siblings (残疾人证新办/挂失补办) are near-equal in meaning: when the question
        has words the names hold, the lexical side must be close too, which carries the
        variants (首次 before 补领 unless 补领 is said)."""
        tuning = self.tuning
        noise = (1 - tuning.lexical_weight) * tuning.cosine_noise / (tuning.cosine_ceiling - tuning.cosine_floor)
        if candidate.cosine < 0 or best.cosine < 0:  # not embedded: lexical scores alone
            noise = 0.0
        if candidate.score + noise < best.score * tuning.close_ratio:
            return False
        return best.lexical <= 0 or candidate.lexical >= best.lexical * tuning.close_ratio

    def _decide(self, question: str, terms: list[str], ranked: list[Candidate], limit: int) -> SearchResult:
        tuning = self.tuning
        best = ranked[0] if ranked else None
        if best is None:
            return SearchResult(question, NONE, [], terms)
        second = ranked[1].score if len(ranked) > 1 else 0.0
        probability = tuning.answer_probability(best.score, best.lexical, best.score - second, best.named, len(terms),
                                                best.chance, none_chance(ranked))
        if probability < tuning.answerable and not best.named:
            near = ranked[:tuning.suggestions] if probability >= tuning.suggest_from else []
            return SearchResult(question, NONE, [], terms, near)
        named = _distinct_named(ranked)
        if len(named) > 1:  # 老年证和公交卡怎么办: both, to choose from
            return SearchResult(question, AMBIGUOUS, named[:limit], terms)
        close = [c for c in ranked if self._close(c, best)]
        if probability >= tuning.confident and len(close) == 1:
            return SearchResult(question, MATCH, ranked[:limit], terms)
        if len(close) == 1:  # likely this one, not sure enough to answer: asked back, the near ones after it
            near = [c for c in ranked[1:] if c.score >= tuning.choice_ratio * best.score]
            return SearchResult(question, AMBIGUOUS, ([best] + near)[:tuning.choices][:limit], terms, confirm=True)
        # The close ones first; a short list is filled with the next near ones: the right matter
        # is sometimes just outside what is too close to call.
        near = [c for c in ranked if c not in close and c.score >= tuning.choice_ratio * best.score]
        return SearchResult(question, AMBIGUOUS, (close + near)[:max(len(close), tuning.choices)][:limit], terms)


def none_chance(ranked: list[Candidate]) -> float:
    """The reranker's chance that none of the candidates it read is the matter asked for (-1: it did not run)."""
    read = [c.chance for c in ranked if c.chance >= 0]
    return max(0.0, 1.0 - sum(read)) if read else -1.0


def _distinct_named(ranked: list[Candidate]) -> list[Candidate]:
    """The candidates the question names outright by different words (老年证和公交卡): each
    says something of its own. One word naming several siblings (残疾人证) is one matter
    asked about, decided as any other."""
    named = [c for c in ranked if c.named]
    distinct = [c for c in named if not any(c.said < other.said for other in named)]
    return distinct if len({c.said for c in distinct}) > 1 else []


def _unknown_documents(matches: dict[str, dict]) -> set[str]:
    """Words naming a document that no matter's names hold: 护照, 通行证, and a long word just
    before a document word, which says which one (烟草专卖 in 烟草专卖许可证)."""
    terms = list(matches)
    return {
        term for term, after in zip(terms, terms[1:] + [""])
        if not matches[term] and (_DOCUMENT.match(term) or (len(term) >= 3 and _DOCUMENT.match(after)))
    }  # fmt: skip


def _join_lone_characters(tokens: list[str], index: MatterIndex, fillers: frozenset[str]) -> list[str]:
    """Join a run of lone characters that a catalogue name holds as written (工 + 亡 -> 工亡, as
    in 工亡待遇申领): jieba cuts a word it does not know into characters. Fillers (我 + 的)
    stay apart."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        end = i
        while end < len(tokens) and len(tokens[end]) == 1 and tokens[end] not in fillers:
            end += 1
        longest = min(end, i + MAX_JOINED_CHARACTERS)
        joined = next((j for j in range(longest, i + 1, -1) if index.occurs("".join(tokens[i:j]))), None)
        if joined:
            out.append("".join(tokens[i:joined]))
            i = joined
        else:
            out.append(tokens[i])
            i += 1
    return out


def _add_department_words(gathered: dict[int, list[tuple[str, TermMatch]]], terms: list[str], index: MatterIndex) -> None:
    """A word that names a candidate's department (去税务局代开发票) says where the matter is
    handled: it counts for the matter, without covering any of its name."""
    for number, hits in gathered.items():
        department = index.matters[number].department_text
        said = {term for term, _match in hits}
        hits += [(term, _DEPARTMENT_MATCH) for term in terms if term not in said and term in department]


_DEPARTMENT_MATCH = TermMatch(DEPARTMENT_WEIGHT, {})


def _close_spelling(window: str, word: str) -> bool:
    """A typo changes some characters, not all: at least one must stay."""
    same = sum(a == b for a, b in zip(window, word))
    return same >= 1 and len(window) - same <= max(1, len(window) // 2)


def combine(query_coverage: float, name_coverage: float) -> float:
    """The score: mostly how much of the question the matter explains, and some of how much of
    the matter's name the question says."""
    return query_coverage * (0.6 + 0.4 * name_coverage)
