"""The search's tuned values, in one frozen dataclass the search accepts (MatterSearch(tuning=…));
each sentence model has its own (`tuning_for`): cosines and the decision fitted on them differ.
Each was chosen on the tuning sets (tests/data/search_questions_*.yml, tests/data/heldout_*.yml,
bench/data/citizens_*.yml: 952 questions) and is reported on the blind held-out sets
(bench/data/blind_*.yml), which nothing is tuned on."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    # --- fusion: score = lexical_weight * lexical + (1 - lexical_weight) * rescaled cosine ------
    lexical_weight: float = 0.2
    """The lexical score carries what the model cannot: opposites (离婚/结婚 have cosine 0.91,
    like synonyms), variants (首次/补领), documents the catalogue lacks; the decision weighs it
    again on its own. More weight: fewer neighbours answered, fewer paraphrases understood
    (0.2, 0.3, 0.4 tried with the decision refitted each time; 0.2 best on the tuning sets)."""
    cosine_floor: float = 0.85
    """A cosine at or below this rescales to 0: e5's cosines of unrelated Chinese sentences sit
    at 0.80-0.90 (the best wrong matter of an out-of-catalogue question: median 0.905)."""
    cosine_ceiling: float = 0.96
    """A cosine at or above this rescales to 1 (a right matter's: median 0.92, quartile 0.94)."""
    secondary_discount: float = 0.01
    """How much less a cosine with an FAQ question or the conditions counts than one with a
    name: they speak of other things too (网约车驾驶员证's conditions name 无犯罪记录)."""
    pool: int = 30
    """Candidates taken from each retriever before fusion (the right matter is in the dense top
    30 for 99 % of the tuning questions on gdzwfw)."""
    progress_unasked: float = 0.7
    """A progress lookup (…进度查询) counts this share of its score for a question that asks no
    progress: 护照要带什么 is not 护照办证进度查询. On both sides."""

    unsaid_marker: float = 0.95
    """The share of its fused score a marked variant (for 外国人, 港澳台居民, 武警; of 摩托车,
    大型汽车: the lexicon's `marked_variants`) keeps when the question names no such marker:
    siblings that differ only by it are as close in meaning as in words, and whoever names none
    most often means the ordinary variant (a resident, a car)."""

    # --- decision: whether the catalogue has the matter at all ----------------------------------
    # A logistic model over five features of the best candidate, fitted on the tuning sets by
    # bench/fit_decision.py (scikit-learn, C=3; label: the right matter among the first three):
    # its fused score, its lexical score, its margin over the second, whether
    # the question names it outright, and the question's length (log of 1 + its content words:
    # a long story scores lower for the same matter). Tried and dropped, as they moved the
    # cross-validated keep/refuse figures by under a point: whether the lexical side ranked it
    # first too; the share of the question's words no matter holds; the name's and the
    # question's coverage apart; the raw cosine.
    weight_fused: float = 7.33
    weight_lexical: float = 2.74
    weight_margin: float = 3.12
    weight_named: float = 0.69
    weight_length: float = 1.83
    bias: float = -7.52
    answerable: float = 0.6
    """From this probability on the catalogue is taken to have the matter; below it, `none`.
    Lower: fewer "not in the catalogue" for matters it has, more neighbours offered for ones it
    lacks (5-fold cross-validation on the tuning sets: 0.5 keeps 95.3 % of answerable questions
    and refuses 65.2 % of the others, 0.55 keeps 93.8 % and refuses 71.0 %, 0.6: 92.8 / 73.9)."""
    suggest_from: float = 0.2
    """Below `answerable` but from this probability on, the citizen is told the catalogue has
    no such matter and offered the best few as suggestions, one tap away. On the tuning sets
    (in-catalogue questions decided `none`, right matter among the first three): 0.2 offers it to
    21 of 27 on demo and 26 of 39 on gdzwfw; 0.3: 20 and 21. Out-of-catalogue questions get
    suggestions too (30 of 61 and 45 of 83 at 0.2), below the plain "not found"."""
    suggestions: int = 3
    confident: float = 0.65
    """From this probability on, a best candidate clear of the rest is one match; below it
    the citizen chooses among the candidates."""
    close_ratio: float = 0.9
    """Candidates within this share of the best fused score are too close to call: the
    citizen chooses."""
    choices: int = 4
    choice_ratio: float = 0.85
    """Choices between close matters are filled up to `choices` with the next candidates
    scoring at least this share of the best: on the tuning sets the right matter was just
    outside the close ones for 2 of 39 demo and 11 of 120 gdzwfw choices; this offers it to 1
    and 4 of them (a list of 2.6 and 3.3 matters on average, 2.4 and 3.0 before)."""
    cosine_noise: float = 0.01
    """Cosines this close are a tie when telling candidates apart: siblings (居民身份证首次申领,
    补领, 换领) differ by about this much, which says nothing of which one is meant."""
    named_coverage: float = 0.9
    """A question holding this share of a matter's name (or an alias) names it outright …"""
    named_query_coverage: float = 0.35
    """… even with much else said, from this share of the question on."""
    skip_dense_above: float = 0.9
    """A lexical match this strong that names the matter outright needs no embedding: saves
    ~15 ms a turn. Such matches are right on the tuning sets without the dense side."""

    # --- the reranker (bot/search/dense/reranker.py), where one loads -------------------------
    rerank_candidates: int = 0
    """The fused search's first candidates the reranker reads (0: none; each costs a forward pass
    of the question and the matter's card through its layers)."""
    weight_chance: float = 0.0
    """The decision's weight on the reranker's chance that the best candidate is the one asked for."""
    weight_none: float = 0.0
    """… and on its chance that none of the candidates is."""
    rerank_weight: float = 0.0
    """How much of the reranker's chance is added to a candidate's fused score. On the tuning
    sets (right matter first, no decision; demo / gdzwfw): 0 → 0.926 / 0.835, 0.1 → 0.934 /
    0.842, 0.2 → 0.929 / 0.854, 0.5 → 0.932 / 0.825, the reranker alone 0.754 / 0.740."""

    def answer_probability(self, fused: float, lexical: float, margin: float, named: bool, words: int,
                           chance: float = -1.0, none: float = -1.0) -> float:
        """The fitted chance that the catalogue has the matter asked about (the reranker's
        chances count where it ran: `chance` ≥ 0)."""
        z = (self.bias + self.weight_fused * fused + self.weight_lexical * lexical + self.weight_margin * margin
             + self.weight_named * named + self.weight_length * math.log1p(words))
        if chance >= 0:
            z += self.weight_chance * chance + self.weight_none * none
        return 1.0 / (1.0 + math.exp(-z))


DEFAULT = Tuning()
"""For the stock multilingual-e5-small, and for the lexical search alone."""

TRAINED = Tuning(cosine_floor=0.88, cosine_ceiling=0.93, weight_fused=4.80, weight_lexical=2.67, weight_margin=2.11,
                 weight_named=0.68, weight_length=1.61, bias=-5.14, answerable=0.65)
"""For daoban's own model (bench/fit_decision.py: its cosines sit lower than the stock model's, the
right matter's median 0.91, the best wrong one of a question the catalogue lacks 0.88)."""
TRAINED_PREFIX = "daoban-e5-"


RERANKED = dataclasses.replace(TRAINED, rerank_candidates=5, rerank_weight=0.2, weight_fused=4.42, weight_lexical=2.19,
                               weight_margin=1.28, weight_named=0.72, weight_length=1.44, weight_chance=0.55,
                               weight_none=-1.88, bias=-3.87, answerable=0.65)
"""With daoban's reranker too (bench/fit_decision.py --keep-cosines: the fusion's cosines as for
TRAINED, the decision refitted with the reranker's chances as two more features)."""
RERANKER_PREFIX = "daoban-rerank-"


def tuning_for(model_name: str | None, reranker_name: str | None = None) -> Tuning:
    """The values fitted for this sentence model (its name as stored with the vectors) and reranker."""
    if not (model_name and model_name.startswith(TRAINED_PREFIX)):
        return DEFAULT
    return RERANKED if reranker_name and reranker_name.startswith(RERANKER_PREFIX) else TRAINED
