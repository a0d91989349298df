"""The languages a resource serves: typed as ISO 639 codes (HSDS ``language.code``), read as names.

Staff type ``ja, pt, en`` (the form's help says so, and the HSDS export publishes the codes);
pages show ``日本語、ポルトガル語、英語`` in the user's language (issue 16: words, not codes).
"""

from __future__ import annotations

from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

# Codes that Django's own list of languages lacks but that residents of Japanese cities speak.
_MORE_NAMES = {
    "tl": _("Tagalog"),
    "fil": _("Filipino"),
    "zh": _("Chinese"),
}


def language_codes(text: str) -> list[str]:
    """The codes in the field as typed (``ja, pt``, ``ja、pt``), in order, blanks left out."""
    return [code.strip() for code in text.replace("、", ",").split(",") if code.strip()]


def language_name(code: str) -> str:
    """The language's name in the active language (``pt`` → ``ポルトガル語``); an unknown code as typed."""
    key = code.strip().lower().replace("_", "-")
    if key in _MORE_NAMES:
        return str(_MORE_NAMES[key])
    try:
        return str(get_language_info(key)["name_translated"])
    except KeyError:
        return code


def language_names(text: str) -> list[str]:
    return [language_name(code) for code in language_codes(text)]
