"""Mask personal names, places, addresses and phone numbers in a Japanese text (＊＊).

Used wherever text leaves the record it belongs to: the similar-intakes
summary and the corrections exported for training. Three passes:

1. the names known to belong to the record's people (longest first);
2. phone numbers, postal codes and street numbers, by pattern;
3. SudachiPy's proper nouns of persons and places (名詞・固有名詞・人名／地名).

Masking errs on the side of hiding: a word mistaken for a name is lost from
the summary, which is cheaper than a name shown to someone who may not know it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

MASK = "＊＊"
_DIGIT = "[0-9０-９]"
_DASH = "[-－‐ー―−]"
_PATTERNS = [
    # Postal codes: 〒471-0025.
    re.compile(rf"〒\s*{_DIGIT}{{3}}{_DASH}?{_DIGIT}{{4}}"),
    # Phone numbers: 090-1234-5678, 0565(31)1212, 05651234567, full-width digits too.
    re.compile(rf"{_DIGIT}{{2,5}}\s*(?:{_DASH}|[(（)）])\s*{_DIGIT}{{1,4}}\s*(?:{_DASH}|[)）])?\s*{_DIGIT}{{3,4}}"),
    re.compile(rf"[0０]{_DIGIT}{{9,10}}"),
    # Street numbers: 2丁目3番地4号, 2丁目3-4, 3番4号.
    re.compile(rf"{_DIGIT}+\s*丁目\s*(?:{_DIGIT}+\s*(?:番地?|{_DASH})\s*)?(?:{_DIGIT}+\s*号?)?"),
    re.compile(rf"{_DIGIT}+\s*番地?\s*(?:{_DIGIT}+\s*号)?"),
    # 1-2-3 style block numbers.
    re.compile(rf"{_DIGIT}+{_DASH}{_DIGIT}+{_DASH}{_DIGIT}+"),
    # E-mail addresses.
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),
]
_PROPER_NOUN_KINDS = frozenset({"人名", "地名"})
_REPEATED_MASKS = re.compile(rf"(?:{re.escape(MASK)}[\s　・、]*)+{re.escape(MASK)}")
# Names shorter than this are too likely to be ordinary words (a one-kanji given name).
_MIN_KNOWN_NAME = 2


@functools.cache
def _tokenizer() -> Any:
    from sudachipy import Dictionary  # type: ignore[import-untyped]

    return Dictionary(dict="core").tokenizer()


def _mask_known(text: str, names: Iterable[str]) -> str:
    wanted = sorted({n.strip() for n in names if n and len(n.strip()) >= _MIN_KNOWN_NAME}, key=len, reverse=True)
    for name in wanted:
        text = text.replace(name, MASK)
    return text


def _mask_proper_nouns(text: str) -> str:
    from sudachipy import SplitMode  # type: ignore[import-untyped]

    parts: list[str] = []
    for morpheme in _tokenizer().tokenize(text, SplitMode.C):
        pos = morpheme.part_of_speech()
        surface = morpheme.surface()
        if pos[0] == "名詞" and pos[1] == "固有名詞" and pos[2] in _PROPER_NOUN_KINDS and surface != MASK:
            parts.append(MASK)
        else:
            parts.append(surface)
    return "".join(parts)


def mask_text(text: str, *, known_names: Iterable[str] = ()) -> str:
    """``text`` with names, places, addresses and phone numbers replaced by ＊＊."""
    if not text:
        return ""
    masked = _mask_known(text, known_names)
    for pattern in _PATTERNS:
        masked = pattern.sub(MASK, masked)
    masked = _mask_proper_nouns(masked)
    return _REPEATED_MASKS.sub(MASK, masked)


def person_names(person: Any) -> list[str]:
    """Every written form of a person's name: family, given, full, kana, with and without a space."""
    if person is None:
        return []
    family, given = person.family_name or "", person.given_name or ""
    family_kana = getattr(person, "family_name_kana", "") or ""
    given_kana = getattr(person, "given_name_kana", "") or ""
    return [
        family,
        given,
        f"{family} {given}".strip(),
        f"{family}{given}",
        f"{family}　{given}",
        family_kana,
        given_kana,
        f"{family_kana} {given_kana}".strip(),
        f"{family_kana}{given_kana}",
    ]


def intake_names(intake: Any, *, household_members: Iterable[Any] = ()) -> list[str]:
    """The names known for an intake: its person, the household's members, the consulter, the address."""
    names = [*person_names(intake.person), intake.consulter_name, intake.address_line]
    for person in household_members:
        names += person_names(person)
    return names
