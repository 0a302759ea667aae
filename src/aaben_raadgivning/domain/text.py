"""Search folding for Danish names, CPR and phone numbers.

Records are indexed under several spellings ("Østergård" also as "oestergard", "ostergard", …) and a
query matches when every query term is a prefix of some index term. Queries are only folded, never
expanded, so the index stays small and a search is one prefix lookup per typed word.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

_APOSTROPHES_RE = re.compile(r"['’`]")  # "O'Brien" is searched as "obrien"
_ASCII_SEPARATORS_RE = re.compile(r"[^a-z0-9]+")
_DANISH = "æøå"
_DANISH_TO_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "aa"})
_OTHER_LETTERS = str.maketrans({"ð": "d", "þ": "th", "œ": "oe", "ł": "l", "đ": "d", "ħ": "h", "ŧ": "t"})
# Spellings people type for the Danish letters, fold's canonical choice first.
_VARIANTS = {
    "å": ("aa", "a"),
    "aa": ("aa", "a"),
    "ø": ("o", "oe"),
    "oe": ("oe", "o"),
    "æ": ("ae", "a"),
    "ae": ("ae", "a"),
}
_AMBIGUOUS_RE = re.compile("(å|aa|ø|oe|æ|ae)")
_MAX_AMBIGUOUS = 4  # 2**4 spellings per word at most; longer words get only the all-or-nothing variants
# A run of digit groups ("010190-1234", "+45 12 34 56 78"), not touching letters; commas end a run.
_DIGIT_RUN_RE = re.compile(r"(?<!\w)(\+)?(\d+(?:[ \-./]+\d+)*)(?!\w)")
_char_cache: dict[str, str] = {}


def _plain(char: str) -> str:
    """One character without accents (cached: names repeat the same few letters)."""
    plain = _char_cache.get(char)
    if plain is None:
        decomposed = unicodedata.normalize("NFKD", char)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        # Casefold again: NFKD can yield capitals ("ℌ" → "H").
        plain = _char_cache[char] = plain.casefold().translate(_OTHER_LETTERS)
    return plain


def _prefold(text: str) -> str:
    """Like fold, but "æ", "ø" and "å" are kept so index_terms can spell them several ways."""
    if text.isascii():  # the common case, kept fast for bulk indexing
        return " ".join(_ASCII_SEPARATORS_RE.sub(" ", _APOSTROPHES_RE.sub("", text.lower())).split())
    text = _APOSTROPHES_RE.sub("", unicodedata.normalize("NFC", text).casefold())
    plain = "".join(c if c in _DANISH else _plain(c) for c in text)
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def fold(text: str) -> str:
    """The canonical search form: lower-case words, "æ"→"ae", "ø"→"o", "å"→"aa", no accents or punctuation."""
    return _prefold(text).translate(_DANISH_TO_ASCII)


def _digit_runs(text: str) -> tuple[list[tuple[str, str | None]], str]:
    """(digits, national number or None) per digit run, and the text with the runs blanked out."""
    runs: list[tuple[str, str | None]] = []

    def take(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(2))
        national = None  # the number without Denmark's country code, if written with one
        if match.group(1) and digits.startswith("45") and len(digits) > 2:
            national = digits[2:]
        elif digits.startswith("0045") and len(digits) > 4:
            national = digits[4:]
        runs.append((digits, national))
        return " "

    return runs, _DIGIT_RUN_RE.sub(take, unicodedata.normalize("NFC", text))


def _spellings(word: str) -> list[str]:
    parts = _AMBIGUOUS_RE.split(word)  # text, ambiguous, text, ambiguous, …, text
    choices = [_VARIANTS[part] for part in parts[1::2]]
    if len(choices) > _MAX_AMBIGUOUS:
        combos: list[tuple[str, ...]] = [tuple(c[0] for c in choices), tuple(c[1] for c in choices)]
    else:
        combos = list(itertools.product(*choices))
    spellings = []
    for combo in combos:
        pieces = parts[:]
        pieces[1::2] = combo
        spellings.append("".join(pieces))
    return spellings


def index_terms(*texts: str) -> list[str]:
    """The distinct terms to index a record under: each word in its common spellings, digit runs joined."""
    terms: dict[str, None] = {}  # an ordered set
    for text in texts:
        runs, rest = _digit_runs(text)
        for digits, national in runs:
            terms[digits] = None
            if national:
                terms[national] = None
        for word in _prefold(rest).split():
            terms.update(dict.fromkeys(_spellings(word)))
    return list(terms)


def query_terms(text: str) -> list[str]:
    """The typed search as terms: folded words, digit groups joined ("12 34 56" → "123456")."""
    terms: dict[str, None] = {}
    runs, rest = _digit_runs(text)
    for digits, national in runs:
        # Phones are stored without +45, so a query written with it searches for the national number.
        terms[national or digits] = None
    terms.update(dict.fromkeys(fold(rest).split()))
    return list(terms)
