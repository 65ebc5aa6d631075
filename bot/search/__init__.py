"""Matter search: from a citizen's sentence to the catalogue matter it is about."""
from bot.search.searcher import AMBIGUOUS, MATCH, NONE, Candidate, MatterSearch, SearchResult

__all__ = ["AMBIGUOUS", "MATCH", "NONE", "Candidate", "MatterSearch", "SearchResult"]
