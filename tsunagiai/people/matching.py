"""Name normalisation for tolerant person search.

Staff type names as they hear them: in kana or kanji, in full or half width,
with or without a space, in the new form of a character where the register
has the old one (髙/高, 﨑/崎, 邊/邉/辺, 齋/斎). Both the stored names and the
query are reduced to the same key:

- width and compatibility forms: NFKC, then ``jaconv`` (half-width kana to
  full width, hiragana to katakana);
- spaces of every width removed;
- kanji variants (異体字) folded to one representative of their family, from
  the variant dictionary of the maintained ``ja-itaiji`` package;
- katakana spellings that sound the same in names (ヂ/ジ, ヅ/ズ, ヲ/オ) folded.
"""

from __future__ import annotations

import functools
import unicodedata

import jaconv
from ja_itaiji import Itaiji  # type: ignore[import-untyped]

_SOUND_ALIKE = str.maketrans({"ヂ": "ジ", "ヅ": "ズ", "ヲ": "オ", "ヰ": "イ", "ヱ": "エ"})
_SPACES = {" ", "\u3000", "\t", "\n", "\r", "・", "･"}


@functools.cache
def _variant_map() -> dict[str, str]:
    """Every variant kanji → one representative of its variant family.

    The package lists, per character, the characters it is a variant of; the
    families are merged (union-find) so that the representative is the same
    whichever member is looked up. The representative is the family's
    everyday form where there is one — the lowest code point among the
    members in JIS X 0208 (高 for 髙, 辺 for 邊/邉, 斎 for 齋) — so that the
    stored keys stay readable.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for char, family in Itaiji.dictionary.items():
        for other in family:
            root_a, root_b = find(char), find(other)
            if root_a != root_b:
                parent[max(root_a, root_b)] = min(root_a, root_b)
    components: dict[str, list[str]] = {}
    for char in parent:
        components.setdefault(find(char), []).append(char)
    mapping: dict[str, str] = {}
    for members in components.values():
        everyday = [char for char in members if _in_jis_x_0208(char)]
        representative = min(everyday or members)
        mapping.update({char: representative for char in members if char != representative})
    return mapping


def _in_jis_x_0208(char: str) -> bool:
    try:
        char.encode("shift_jis")
    except UnicodeEncodeError:
        return False
    return True


def fold_variants(text: str) -> str:
    mapping = _variant_map()
    return "".join(mapping.get(char, char) for char in text)


def normalise(text: str) -> str:
    """The search key of a name or a query."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = jaconv.h2z(text, kana=True, ascii=False, digit=False)
    text = jaconv.hira2kata(text)
    text = "".join(char for char in text if char not in _SPACES)
    text = text.translate(_SOUND_ALIKE)
    return fold_variants(text).lower()


def search_keys(family_name: str, given_name: str, family_name_kana: str, given_name_kana: str) -> tuple[str, str]:
    """(search_name, search_kana) for a person's stored names."""
    return normalise(f"{family_name}{given_name}"), normalise(f"{family_name_kana}{given_name_kana}")
