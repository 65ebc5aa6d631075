"""Which gdzwfw matters training never sees: a fifth, chosen by the matter's code alone, so a
district's catalogue nobody trained on can be measured (the blind questions about these matters
are reported apart)."""
from __future__ import annotations

import hashlib


def held_out(code: str) -> bool:
    return int(hashlib.sha256(code.encode("utf-8")).hexdigest(), 16) % 5 == 0
