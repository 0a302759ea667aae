"""Text as it is stored, and search folding for Danish names, CPR and phone numbers.

``clean_text`` is the one check every action runs on a name or free text before it is stored: no
control characters, no hidden direction overrides, no broken characters, and a length limit (``too_long``,
with the limits named below, for the actions that word the message themselves).

Records are indexed under several spellings ("Østergård" also as "oestergard", "ostergard", …) and a
query matches when every query term is a prefix of some index term. Queries are only folded, never
expanded, so the index stays small and a search is one prefix lookup per typed word.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from aaben_raadgivning.domain.errors import ValidationError

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
# Invisible characters that reorder how text is shown ("Trojan Source"): a name could read differently
# on screen than it is stored and searched.
_DIRECTION_CONTROLS = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))

# Length limits for stored text, in characters: what a form lets through, and what fits the columns.
NAME_LENGTH = 200  # names and other one-line fields (the name columns' length)
HEADING_LENGTH = 300  # a timeline event's one-line heading
SHORT_TEXT_LENGTH = 500  # a sentence or two: a delmål, why a deadline was moved
NOTE_LENGTH = 2000  # a monthly hours report's note
LONG_TEXT_LENGTH = 4000  # free text: notes, details, assessments, reasons
TOO_LONG = "Teksten er for lang (højst {limit} tegn)."


def _forbidden(char: str, multiline: bool) -> str | None:
    """Why ``char`` cannot be stored (Danish), or None."""
    if char in _DIRECTION_CONTROLS:
        return f"et usynligt tegn, der vender skriveretningen (U+{ord(char):04X})"
    category = unicodedata.category(char)
    if category == "Cs":
        return "et ødelagt tegn (fx fra et forkert tegnsæt)"
    if category == "Cc" and not (multiline and char in "\n\t"):
        return f"et kontroltegn (U+{ord(char):04X})"
    return None


def too_long(text: str, max_length: int, message: str = TOO_LONG) -> str | None:
    """The Danish message if ``text`` is longer than ``max_length`` characters, else None. ``message`` can
    name the field ("Navnet er for langt (højst {limit} tegn)."); ``{limit}`` becomes ``max_length``."""
    if len(text) > max_length:
        return message.format(limit=max_length)
    return None


def text_problem(text: str, *, max_length: int | None = None, multiline: bool = False) -> str | None:
    """The Danish reason ``text`` cannot be stored as it is, or None (see clean_text)."""
    for char in text:
        reason = _forbidden(char, multiline)
        if reason:
            return f"Teksten indeholder {reason}, som ikke kan gemmes. Skriv den igen uden."
    return too_long(text, max_length) if max_length is not None else None


def clean_text(
    text: str,
    field: str,
    *,
    max_length: int | None = None,
    multiline: bool = False,
    errors: dict[str, str] | None = None,
) -> str:
    """``text`` as it is stored: composed (NFC), without surrounding space; on one line (runs of spaces,
    tabs and line breaks become one space) unless ``multiline``. Raises ValidationError for ``field``
    if it holds a control character, a direction override or a broken (surrogate) character, or is
    longer than ``max_length``; with ``errors``, the problem is added there instead (for actions that
    report every field at once)."""
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    else:
        text = " ".join(text.split())
    problem = text_problem(text, multiline=multiline)  # before normalising: NFC keeps surrogates as they are
    if problem is None:
        text = unicodedata.normalize("NFC", text)
        problem = text_problem(text, max_length=max_length, multiline=multiline)
    if problem and errors is not None:
        errors.setdefault(field, problem)
    elif problem:
        raise ValidationError.single(field, problem)
    return text


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


# Danish alphabetical order: æ, ø, å after z (in that order), and a double "aa" is the old spelling of "å"
# (Aagaard sorts as Ågaard). Sort keys use code points after "z" for the three letters.
_DANISH_ORDER = str.maketrans({"æ": "{", "ø": "|", "å": "}"})
_DOUBLE_AA_RE = re.compile(r"aa")


def danish_sort_key(text: str) -> tuple[str, str]:
    """A key that sorts names as a Danish reader expects: case and accents ignored (é as e), æ ø å last in that
    order, «aa» as «å»; ties broken by the text as written, so the order is total."""
    folded = unicodedata.normalize("NFC", text).casefold()
    letters = "".join(c if c in _DANISH else _plain(c) for c in _DOUBLE_AA_RE.sub("å", folded))
    return letters.translate(_DANISH_ORDER), text


def compare_danish(left: str, right: str) -> int:
    """A collation function (SQLite ``create_collation``) for ``danish_sort_key``'s order."""
    a, b = danish_sort_key(left), danish_sort_key(right)
    return (a > b) - (a < b)


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
