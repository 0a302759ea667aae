import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.text import clean_text, fold, index_terms, query_terms


def matches(query: str, *record: str) -> bool:
    """The search rule: every query term is a prefix of some index term."""
    terms = index_terms(*record)
    wanted = query_terms(query)
    return bool(wanted) and all(any(term.startswith(q) for term in terms) for q in wanted)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Østergaard", "ostergaard"),
        ("Østergård", "ostergaard"),
        ("ÆBLE", "aeble"),
        ("Åse", "aase"),
        ("A\u030ase", "aase"),  # decomposed å
        ("René Müller", "rene muller"),
        ("Çelik Şahin", "celik sahin"),
        ("Hans-Erik  Jensen", "hans erik jensen"),
        ("O'Brien", "obrien"),
        ("  Mette\tFrederiksen \n", "mette frederiksen"),
        ("010190-1234", "010190 1234"),
        ("Straße", "strasse"),
        ("Þórður Ævarsson", "thordur aevarsson"),
        ("Ahmed (far)", "ahmed far"),
        ("", ""),
        ("---", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_fold_has_no_danish_letters_or_capitals(text: str) -> None:
    folded = fold(text)
    assert not set(folded) & set("æøåÆØÅ")
    assert folded == folded.strip()
    assert "  " not in folded


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_ascii_fast_path_agrees_with_unicode_path(text: str) -> None:
    # The non-ASCII path is taken once a single "é" is present; the rest must fold identically.
    assert fold(text + " é") == (fold(text) + " e").strip()


NAMES_THAT_MATCH = [
    ("ostergaard", "Østergaard"),
    ("oestergaard", "Østergaard"),
    ("østergaard", "Østergaard"),
    ("Østergård", "Østergaard"),
    ("ostergard", "Østergaard"),
    ("ostergaard", "Østergård"),
    ("oestergaard", "Østergård"),
    ("østergaard", "Østergård"),
    ("Østergård", "Østergård"),
    ("ostergard", "Østergård"),
    ("oster", "Østergård"),
    ("aagaard", "Ågård"),
    ("agard", "Ågård"),
    ("ågård", "Aagaard"),
    ("aase", "Åse Hansen"),
    ("ase", "Åse Hansen"),
    ("hans", "Åse Hansen"),
    ("hansen åse", "Åse Hansen"),
    ("soren", "Søren Kierkegaard"),
    ("soeren kierke", "Søren Kierkegaard"),
    ("sørensen", "Soerensen"),
    ("baek", "Bæk"),
    ("bak", "Bæk"),
    ("jens", "Jensen"),
    ("JENSEN", "Jensen"),
    ("rene", "René Müller"),
    ("rené", "Rene"),
    ("hans erik", "Hans-Erik Jensen"),
    ("hans-erik", "Hans-Erik Jensen"),
    ("obrien", "Sean O'Brien"),
    ("o'brien", "Sean O'Brien"),
]


@pytest.mark.parametrize(("query", "name"), NAMES_THAT_MATCH)
def test_query_matches_name(query: str, name: str) -> None:
    assert matches(query, name)


@pytest.mark.parametrize(
    ("query", "record"),
    [
        ("hansen", ("Jensen",)),
        ("jensen", ("Hansen",)),
        ("ostergaard", ("Vestergaard",)),
        ("aagaard", ("Gaard",)),
        ("søren", ("Sandra",)),
        ("hans jensen", ("Hans Hansen",)),  # every word must match
        ("sen", ("Jensen",)),  # prefixes only, not infixes
        ("010191", ("Jensen", "010190-1234")),
        ("901234", ("Jensen", "010190-1234")),
        ("34 56", ("Jens", "", "12 34 56 78")),
        ("", ("Jensen",)),
    ],
)
def test_query_does_not_match(query: str, record: tuple[str, ...]) -> None:
    assert not matches(query, *record)


@pytest.mark.parametrize(
    ("query", "record"),
    [
        ("010190", ("Jens Hansen", "0101901234")),
        ("010190-12", ("Jens Hansen", "0101901234")),
        ("0101901234", ("Jens Hansen", "010190-1234")),
        ("12345678", ("Jens", "", "+45 12 34 56 78")),
        ("12 34 56", ("Jens", "", "12345678")),
        ("+45 12 34", ("Jens", "", "12345678")),
        ("4512345678", ("Jens", "", "+45 12 34 56 78")),
        ("0045 1234", ("Jens", "", "12345678")),
        ("jens 0101", ("Jens Hansen", "0101901234")),
    ],
)
def test_numbers_match(query: str, record: tuple[str, ...]) -> None:
    assert matches(query, *record)


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("010190-1234",), ["0101901234"]),
        (("+45 12 34 56 78",), ["4512345678", "12345678"]),
        (("0045 12 34 56 78",), ["004512345678", "12345678"]),
        (("12 34 56 78",), ["12345678"]),
        (("Jensen",), ["jensen"]),
        (("Jensen", "Jensen"), ["jensen"]),
        (("Østergård",), ["ostergaard", "ostergard", "oestergaard", "oestergard"]),
        (("Bæk",), ["baek", "bak"]),
        (("", ""), []),
    ],
)
def test_index_terms(texts: tuple[str, ...], expected: list[str]) -> None:
    assert index_terms(*texts) == expected


def test_index_terms_stay_small_for_many_danish_letters() -> None:
    terms = index_terms("Ææøøååaa")
    assert len(terms) <= 2
    assert fold("Ææøøååaa") in terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("010190-12", ["01019012"]),
        ("12 34 56", ["123456"]),
        ("+45 12 34 56 78", ["12345678"]),
        ("Østergård", ["ostergaard"]),
        ("Hans-Erik 0101", ["0101", "hans", "erik"]),
        ("  ", []),
        ("12a", ["12a"]),
    ],
)
def test_query_terms(text: str, expected: list[str]) -> None:
    assert query_terms(text) == expected


@given(st.text())
def test_canonical_fold_is_always_indexed(text: str) -> None:
    # Whatever the index adds, a query typed exactly like the record must find it.
    terms = index_terms(text)
    assert all(any(term.startswith(q) for term in terms) for q in query_terms(text))


# --- clean_text: what may be stored ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Anne\x00Bak", "kontroltegn (U+0000)"),
        ("Anne\x1b[31mBak", "kontroltegn (U+001B)"),
        ("Anne\u202eBak", "vender skriveretningen (U+202E)"),
        ("Anne\u2066Bak\u2069", "vender skriveretningen (U+2066)"),
        ("Anne\udcffBak", "ødelagt tegn"),  # a byte that was not UTF-8 on the command line (surrogateescape)
        ("x" * 201, "for lang (højst 200 tegn)"),
    ],
)
def test_clean_text_refuses_what_cannot_be_stored_in_danish(text, says):
    with pytest.raises(ValidationError) as excinfo:
        clean_text(text, "name", max_length=200)
    assert says in excinfo.value.errors["name"]


def test_clean_text_tidies_a_name_and_keeps_line_breaks_in_free_text():
    assert clean_text("  Anne \t Bak\n", "name") == "Anne Bak"
    assert clean_text("A\u030ase", "name") == "Åse"  # composed, so search and duplicates see one spelling
    assert clean_text("første\r\nanden\tlinje  ", "note", multiline=True) == "første\nanden\tlinje"
    with pytest.raises(ValidationError):
        clean_text("første\x07linje", "note", multiline=True)


def test_clean_text_can_collect_the_problem_with_other_fields():
    errors = {"cpr": "forkert"}
    assert clean_text("A\x00", "name", errors=errors) == "A\x00"
    assert set(errors) == {"cpr", "name"}


@given(st.text())
def test_clean_text_either_refuses_or_returns_storable_text(text):
    try:
        cleaned = clean_text(text, "note", multiline=True)
    except ValidationError:
        return
    cleaned.encode("utf-8")  # never a surrogate
    assert not any(c in cleaned for c in "\x00\x1b\u202e\u2066")


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Østergaard", "Zeuthen", "Ærø", "Åse"], ["Zeuthen", "Ærø", "Østergaard", "Åse"]),  # æ ø å after z
        (["Aagaard", "Åse", "Abildgaard"], ["Abildgaard", "Aagaard", "Åse"]),  # «aa» is an «å»
        (["bo", "Bo", "Anna"], ["Anna", "Bo", "bo"]),  # case ignored; the text as written breaks the tie
        (["Émile", "Emil", "Erik"], ["Emil", "Émile", "Erik"]),  # accents ignored
    ],
)
def test_danish_sort_order(names, expected):
    from aaben_raadgivning.domain.text import compare_danish, danish_sort_key

    assert sorted(names, key=danish_sort_key) == expected
    assert compare_danish(expected[0], expected[-1]) == -1 and compare_danish(expected[0], expected[0]) == 0
