"""Comparing people's names: one key for every spelling of the same name."""

import functools
import re
import unicodedata

# German-style transliterations, so that "Böck", "Boeck" and "Bock" compare equal.
_TRANSLITERATED_UMLAUT = re.compile(r"(?<=[aou])e(?=[b-df-hj-np-tv-z])")
_NOT_ALNUM = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """Return a key that is equal for names differing only in case, accents, spacing, umlauts."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = (
        ascii_only.replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("đ", "d")
    )
    ascii_only = ascii_only.replace("ł", "l").replace("œ", "oe")
    words = _NOT_ALNUM.sub(" ", ascii_only).split()
    return " ".join(_TRANSLITERATED_UMLAUT.sub("", word) for word in words)
