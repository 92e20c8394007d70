"""The order in which R's ``sort()`` puts strings: the order of a factor's levels.

R sorts character vectors by the locale's collation, which on a Unicode build is ICU's (root
collation in ``C.UTF-8``; en_US agrees on the strings below).  :func:`r_sort_key` follows the
Unicode Collation Algorithm's three levels for Latin text, which is what decides the reference
level of a factor ("élevé" before "faible", not after "moyen"):

1. primary: the letters without accents or case, with spaces and punctuation *not* ignored
   (space < ``_`` < ``-`` < ``,`` < ... < ``$``, then the digits, then the letters); ``ß``, ``æ``
   and ``œ`` count as ``ss``, ``ae``, ``oe``;
2. secondary: the accents (unaccented first);
3. tertiary: the case (lower case first), then the expanded letters.

Letters of other scripts follow the Latin ones by code point: an approximation, as is the
treatment of characters the table does not name; tests/lme4/r/collation.R checks the table
against R.
"""
from __future__ import annotations

import unicodedata
from typing import Sequence

__all__ = ["r_sort_key", "r_sort"]

#: spaces and ASCII punctuation in the collation's order (R's ``sort()`` of them, ICU root)
PUNCTUATION_ORDER = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"
_PUNCT_RANK = {c: i for i, c in enumerate(PUNCTUATION_ORDER)}
#: letters that collate as two
_EXPANSIONS = {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
#: letters that collate as a Latin letter with a mark the Unicode decomposition does not show
_STROKED = {"ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i", "ħ": "h", "Ħ": "H"}


def _weights(ch: str, expanded: bool) -> tuple[str, str, str]:
    """(primary, secondary, tertiary) of one character, each as one character whose code
    point orders as the weight does: punctuation < digits < Latin letters < the rest."""
    stroked = _STROKED.get(ch)
    if stroked is not None:
        base, marks = stroked, "\u0338"
    else:
        d = unicodedata.normalize("NFD", ch)
        base, marks = d[0], d[1:]
    low = base.lower()
    if base in _PUNCT_RANK:                  # (below 0x100: ASCII keys stay one byte a character)
        primary = 0x20 + _PUNCT_RANK[base]
    elif "0" <= base <= "9":
        primary = 0x50 + ord(base) - ord("0")
    elif "a" <= low <= "z":
        primary = 0x60 + ord(low) - ord("a")
    else:
        primary = 0x100 + ord(low)
    tertiary = "2" if expanded else ("1" if base != low else "0")
    return chr(primary), (marks[:1] or "\x01"), tertiary


def _ascii_tables() -> tuple[dict[int, str], dict[int, str]]:
    prim, ter = {}, {}
    for code in range(128):
        p, _, t = _weights(chr(code), False)
        prim[code], ter[code] = p, t
    return prim, ter


_ASCII_PRIMARY, _ASCII_TERTIARY = _ascii_tables()


def r_sort_key(s: str) -> tuple[str, str, str, str]:
    """Sort key giving R's ``sort()`` order of strings (see the module's docstring)."""
    if s.isascii():                          # the common case, by two C-level translations
        return s.translate(_ASCII_PRIMARY), "\x01" * len(s), s.translate(_ASCII_TERTIARY), s
    primary, secondary, tertiary = [], [], []
    for ch in s:
        exp = _EXPANSIONS.get(ch)
        for c in (exp or ch):
            p, sec, ter = _weights(c, exp is not None)
            primary.append(p)
            secondary.append(sec)
            tertiary.append(ter)
    return "".join(primary), "".join(secondary), "".join(tertiary), s


def r_sort(labels: Sequence[str]) -> list[str]:
    """Strings sorted as R's ``sort()`` (see :func:`r_sort_key`)."""
    return sorted(labels, key=r_sort_key)
