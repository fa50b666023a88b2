"""Comparing people's names: one key for every spelling of the same name."""

import functools
import re
import unicodedata

# German umlauts as German spells them without dots: "Böck" and "Boeck" are one name. Matched
# after decomposition, so a composed "ö" and an "o" followed by a combining diaeresis agree.
# Only these three letters: an "e" elsewhere is part of the name ("Michael" is not "Michal").
_UMLAUT = re.compile("([aou])\u0308")
_NOT_ALNUM = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """Return a key that is equal for names differing only in case, accents, spacing, umlauts.

    ä, ö and ü count as ae, oe and ue ("Böck" is "Boeck"); other accents are dropped ("José"
    is "Jose"). A name whose umlaut lost its dots ("Bock") is another name.
    """
    decomposed = _UMLAUT.sub(r"\1e", unicodedata.normalize("NFKD", name.casefold()))
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = (
        ascii_only.replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("đ", "d")
    )
    ascii_only = ascii_only.replace("ł", "l").replace("œ", "oe")
    return " ".join(_NOT_ALNUM.sub(" ", ascii_only).split())
