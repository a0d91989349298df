"""Japanese text as the triage engine reads it: normalised, mapped back to the original, tokenised.

Normalisation is NFKC per character (half-width katakana → full-width, full-width
digits and letters → ASCII, ① → 1), with a half-width voiced mark kept with its
kana (ﾀﾞ → ダ), control characters dropped and letters lower-cased. ``Normalised``
keeps, for every normalised character, the index of the original character it
came from, so words found in the normalised text are highlighted in the text
staff typed.

Tokenisation is SudachiPy (mode C, the dictionary from the sudachidict_core
package, nothing downloaded): each token's dictionary form, so 殴られた and
殴って share 殴る, and 一人暮らし/独り暮らし share 独り暮らし.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

_HALF_WIDTH_MARKS = {"\uff9e", "\uff9f"}  # ﾞ ﾟ
# Parts of speech whose tokens carry meaning for triage (the rest: particles, auxiliaries, symbols…).
_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞", "副詞", "代名詞", "接頭辞", "接尾辞"}
_NEGATING_AUX = {"ない", "無い", "ぬ", "ず", "ん"}


@dataclass(frozen=True)
class Normalised:
    """The normalised text and, per normalised character, the index of its original character."""

    text: str
    origin: tuple[int, ...]
    original: str

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map [start, end) in the normalised text to the original text."""
        if not self.origin or start >= end:
            return (0, 0)
        first = self.origin[min(start, len(self.origin) - 1)]
        last = self.origin[min(end, len(self.origin)) - 1]
        # The original character at ``last`` may have expanded to several normalised ones (① → 1).
        return (first, last + 1)


def normalise(text: str) -> Normalised:
    out: list[str] = []
    origin: list[int] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        width = 1
        if i + 1 < n and text[i + 1] in _HALF_WIDTH_MARKS:
            width = 2
        piece = unicodedata.normalize("NFKC", text[i : i + width]).lower()
        for c in piece:
            category = unicodedata.category(c)
            if category in ("Cc", "Cf", "Cs", "Co") and c not in "\n\t":
                continue
            if c in "\r\t":
                c = " " if c == "\t" else "\n"
            out.append(c)
            origin.append(i)
        i += width
        del char
    return Normalised("".join(out), tuple(origin), text)


@dataclass(frozen=True)
class Token:
    surface: str
    base: str
    pos: str
    start: int
    end: int
    negated: bool = False


_local = threading.local()
# One dictionary per process (loading it takes ~0.3 s and it is read-only), loaded on first use; a tokenizer
# per thread (a tokenizer keeps state while it works).
_dictionary: Any = None
_dictionary_lock = threading.Lock()


def _shared_dictionary() -> Any:
    global _dictionary
    if _dictionary is None:
        with _dictionary_lock:
            if _dictionary is None:
                from sudachipy import Dictionary  # here, not at import: the URLs load this module

                _dictionary = Dictionary(dict="core")
    return _dictionary


def _tokenizer() -> Any:
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import SplitMode

        tokenizer = _shared_dictionary().tokenizer(mode=SplitMode.C)
        _local.tokenizer = tokenizer
    return tokenizer


# Sudachi refuses inputs over ~49,000 bytes; the engine never sends more than this many characters at once.
_CHUNK = 4000


def tokenise(text: str) -> list[Token]:
    """Sudachi tokens of already-normalised ``text`` (offsets into it)."""
    tokens: list[Token] = []
    tokenizer = _tokenizer()
    for offset in range(0, len(text), _CHUNK):
        chunk = text[offset : offset + _CHUNK]
        morphemes = list(tokenizer.tokenize(chunk))
        for index, m in enumerate(morphemes):
            pos = m.part_of_speech()[0]
            if pos in ("補助記号", "空白"):
                continue
            following = morphemes[index + 1].normalized_form() if index + 1 < len(morphemes) else ""
            following_pos = morphemes[index + 1].part_of_speech()[0] if index + 1 < len(morphemes) else ""
            negated = pos in ("動詞", "形容詞") and following in _NEGATING_AUX and following_pos == "助動詞"
            tokens.append(
                Token(
                    surface=m.surface(),
                    base=m.normalized_form(),
                    pos=pos,
                    start=offset + m.begin(),
                    end=offset + m.end(),
                    negated=negated,
                )
            )
    return tokens


def content_terms(tokens: list[Token]) -> list[str]:
    """The words the classifier reads: content tokens by dictionary form; ``not:`` marks a negated verb."""
    terms: list[str] = []
    for token in tokens:
        if token.pos not in _CONTENT_POS or token.pos == "名詞" and token.base.isdigit():
            continue
        terms.append(f"not:{token.base}" if token.negated else token.base)
    return terms


def japanese_share(text: str) -> float:
    """The share of letters that are kana or kanji (0 for a text without letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    japanese = sum(1 for c in letters if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" or c == "々")
    return japanese / len(letters)
