"""What the bot says to a question: the matter it is about, the aspect asked, and the answer.
Plain Python, no Rasa: the actions pass in the intent's aspect and the conversation's slots."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot import answers, config, guide, wording
from bot.answers import Answer
from bot.handoff import HandoffMessage, handoff_message
from bot.search import AMBIGUOUS, MATCH, Candidate, MatterSearch, SearchResult
from bot.search.lexicon import load_lexicon
from bot.store import RevisionWatch

# Aspects that may follow up on the matter already being talked about ("在哪办？").
FOLLOW_UP_ASPECTS = frozenset(answers.ASPECTS) - {"overview"}
LEVEL_WORDS = {"街道": "街道", "社区": "社区", "居委": "社区", "村": "社区"}
CERTIFICATE = "证明"


@dataclass
class Turn:
    answer: Answer
    matter: Optional[str]  # the matter slot after this turn
    aspect: Optional[str]  # the aspect slot after this turn
    answered: bool  # False: the catalogue could not answer (kept for the maintainers)


class Guide:
    """The catalogue's answers for a conversation."""

    def __init__(self, database_url: Optional[str] = None, hotline: Optional[str] = None,
                 refresh_seconds: float = 5.0):
        """`refresh_seconds`: how often to look whether an import has changed the catalogue."""
        self.database_url = database_url
        self.hotline = hotline or config.hotline()
        catalogue = RevisionWatch(database_url, refresh_seconds)  # one look at the database for both
        self.search = MatterSearch(database_url, catalogue=catalogue)
        self.guides = guide.CachedGuides(database_url, catalogue=catalogue)

    def answer(self, text: str, aspect: Optional[str], current: Optional[str] = None,
               chosen: Optional[str] = None, found: Optional[SearchResult] = None) -> Turn:
        """Answer `aspect` (overview when None) of the matter the text names, of the matter the
        citizen chose (`chosen`, from a button), or of the one already talked about (`current`).
        `found`: the text's search result, when the caller has it already."""
        aspect = aspect if aspect in answers.ASPECTS else "overview"
        code = chosen
        if code is None:
            result = found or self.search.search(text)
            codes = [c.code for c in result.candidates]
            if result.decision == MATCH:
                code = codes[0]
            elif result.decision == AMBIGUOUS:
                if current in codes and aspect in FOLLOW_UP_ASPECTS:
                    code = current
                else:
                    choices = answers.choose_answer(_choices(result.candidates), confirm=result.confirm)
                    return Turn(choices, current, aspect, True)
            elif current and aspect in FOLLOW_UP_ASPECTS:
                code = current  # 在哪办？ 要多久？ about the matter already talked about
            elif result.terms:
                near = _choices(result.suggestions)
                return Turn(answers.not_found_answer(self.hotline, near), current, aspect, False)
            else:
                return Turn(answers.ask_matter_answer(), current, aspect, True)
        matter = self.guides.matter(code)
        if matter is None:  # withdrawn since, or a forged button payload
            return Turn(answers.not_found_answer(self.hotline), None, aspect, False)
        related = self.guides.names([r.related_code for r in matter.related])
        near = guide.halls_named_in(text, self.database_url) if aspect == "where" else []
        return Turn(answers.matter_answer(matter, aspect, related, near), matter.code, aspect, True)

    def warm(self) -> None:
        """Build the search indexes now (the action server's start-up), not on a first question."""
        self.search.indexes()

    def nearest_hall(self, latitude: float, longitude: float, current: Optional[str] = None) -> Turn:
        """The hall nearest to a shared location that accepts the matter being talked about
        (any hall, when none is)."""
        matter = self.guides.matter(current) if current else None
        halls = guide.halls_with_coordinates(self.database_url)
        if matter is not None and matter.halls and not matter.accepted_anywhere:
            accepting = {h.code for h in matter.halls}
            halls = [h for h in halls if h.code in accepting]
        if not halls:
            return Turn(Answer(wording.say("no_hall_coordinates"), kind="nearest_hall"), current, "where", True)
        nearest = min(halls, key=lambda h: guide.distance_metres(latitude, longitude, h))
        metres = guide.distance_metres(latitude, longitude, nearest)
        return Turn(answers.nearest_hall_answer(nearest, metres, matter), current, "where", True)

    def handoff(self, complaint: bool, current: Optional[str] = None) -> HandoffMessage:
        """转人工 or a complaint, with the phones of the matter being talked about."""
        matter = self.guides.matter(current) if current else None
        return handoff_message(complaint, self.hotline, matter, self.guides.district_hall())

    def what_can_i_do(self, text: str, current: Optional[str] = None) -> Turn:
        """Matters for a group, life event, department or hall level named in the text. A
        question that names no group, event or level but names a matter (伤残待遇申领包括哪些)
        is about that matter."""
        found = self.search.search(text)
        level = _hall_level(found.terms)
        events = [event for term in found.terms for event in load_lexicon().life_events.get(term, ())]
        if level is None and not events and found.names_a_matter:
            return self.answer(text, "overview", current, found=found)
        listed = self._matter_list(text, found.terms + events, level)
        return Turn(listed, current, "overview", listed.kind != "not_found")

    def _matter_list(self, text: str, words: list[str], level: Optional[str]) -> Answer:
        if level:
            matters = guide.matters_at_level(level, self.database_url)
            if matters:
                return answers.list_answer(wording.say("list_at_level", level=level), matters)
        matters = guide.matters_for(words, self.database_url)
        if not matters:
            _terms, ranked = self.search.rank(text, limit=8)
            codes = [c.code for c in ranked if c.score >= 0.3]
            matters = [m for m in map(self.guides.matter, codes) if m]
        if not matters:
            return answers.not_found_answer(self.hotline)
        return answers.list_answer(wording.say("list_related"), matters)

    def certificate(self, text: str, current: Optional[str] = None, aspect: Optional[str] = None) -> Turn:
        """Whether a certificate is still needed, from the cancelled list. A question that names
        a matter is answered from its guide: the matter itself where it issues the certificate
        (出具档案证明), else its materials (结婚登记要开工作证明吗). `current` and `aspect` are
        the conversation's, kept when no matter is named."""
        cancelled = guide.find_certificate(text, self.database_url)
        if cancelled:
            return Turn(answers.certificate_answer(cancelled), current, aspect, True)
        found = self.search.search(text)
        if found.decision == MATCH and CERTIFICATE in found.best.name:
            return self.answer(text, "overview", current, found=found)
        # Without the word 证明, what is left names the matter the certificate would be for.
        # Several such matters: the citizen chooses, and is then told the materials.
        for_matter = self.search.search(text.replace(CERTIFICATE, ""))
        if for_matter.decision in (MATCH, AMBIGUOUS):
            return self.answer(text, "materials", current, found=for_matter)
        unknown = Answer(wording.say("certificate_unknown", hotline=self.hotline), kind="certificate")
        return Turn(unknown, current, aspect, True)


def _choices(candidates: list[Candidate]) -> list[tuple[str, str, str]]:
    return [(c.code, c.name, c.department) for c in candidates]


def _hall_level(terms: list[str]) -> Optional[str]:
    """The hall level a question names (街道, 社区里, 村委会), from its words: 农村 is no 村."""
    return next((level for term in terms for word, level in LEVEL_WORDS.items() if term.startswith(word)), None)
