"""Import of a caseload (issue 18, «Importér borgere»), the pure part: the column mapping (data, in
``assets/import_mapping.toml``), reading a CSV or XLSX file into cells (encoding and separator sniffed), and
typing each row (CPR, phone, Danish dates, decimal comma, vocabulary codes or their Danish labels) with Danish
problems per row. No database here: ``store/actions/citizen_import.py`` matches the typed rows against the
register and writes them, one transaction per row.

Encoding: UTF-8 with or without BOM, else Windows-1252 (what Danish Excel writes as «CSV (semikolonsepareret)»).
Separator: ``;`` or ``,`` (``csv.Sniffer`` restricted to those two, checked against the heading line).
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

from aaben_raadgivning.domain.cpr import CprError, CprInfo, parse_cpr
from aaben_raadgivning.domain.dates import DateInputError, NumberInputError, parse_date, parse_decimal
from aaben_raadgivning.domain.errors import UserError, ValidationError
from aaben_raadgivning.domain.grammar import count_text
from aaben_raadgivning.domain.phone import normalize_phone
from aaben_raadgivning.domain.reference import Reference, Vocabulary, load_reference
from aaben_raadgivning.domain.text import fold

FIELDS = (
    "cpr", "name", "phone", "address", "benefit_type", "benefit_since", "readiness", "match_group",
    "jobkonsulent", "jobformidler", "housing_area",
)  # fmt: skip
# The coded fields and their vocabulary in reference.toml.
CODED = {"benefit_type": "benefit_types", "readiness": "readiness", "match_group": "match_groups"}
_UNKNOWN_CODE = {
    "benefit_type": "ukendt ydelse «{text}» (brug en af: {known})",
    "readiness": "ukendt parathed «{text}» (brug en af: {known})",
    "match_group": "ukendt matchgruppe «{text}» (brug en af: {known})",
}  # fmt: skip
_INITIALS_RE = re.compile(r"[A-ZÆØÅ0-9]{1,10}")
_HEADING_NOISE = re.compile(r"[\s.\-_/:#]+")
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# A file with more rows than this is refused whole (a caseload is a few thousand at most).
MAX_ROWS = 200_000


class ImportFileError(UserError):
    """The file cannot be imported at all (missing, not CSV/XLSX, damaged, no known headings); nothing is
    written. ``message`` is Danish."""


class ImportMappingError(UserError, ValueError):
    """``import_mapping.toml`` cannot be used; ``message`` is Danish and lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("Importens kolonneoversigt kan ikke bruges:\n" + "\n".join(f"- {p}" for p in problems))


# --- the mapping ---------------------------------------------------------------------------------------


def heading_key(text: str) -> str:
    """A heading as compared: folded (case and accents), without spaces, dots, hyphens, underscores."""
    return _HEADING_NOISE.sub("", fold(text.replace("\ufeff", "")))


@dataclass(frozen=True)
class FieldMapping:
    field: str
    label: str  # Danish, for the report
    headings: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class ImportMapping:
    fields: dict[str, FieldMapping]

    @property
    def keys(self) -> dict[str, str]:
        """Heading key → field."""
        return {heading_key(h): f.field for f in self.fields.values() for h in f.headings}

    def label(self, name: str) -> str:
        return self.fields[name].label if name in self.fields else name

    def match(self, headers: Sequence[str]) -> tuple[dict[str, int], list[str]]:
        """The column index of each recognised field, and the headings ignored. Raises ImportFileError when
        no heading is known, a required field is missing, or two columns name the same field."""
        keys = self.keys
        columns: dict[str, int] = {}
        ignored: list[str] = []
        for index, header in enumerate(headers):
            name = keys.get(heading_key(header))
            if name is None:
                if header.strip():
                    ignored.append(header.strip())
                continue
            if name in columns:
                raise ImportFileError(
                    f"To kolonner betyder begge «{self.label(name)}»: «{headers[columns[name]].strip()}» og "
                    f"«{header.strip()}». Fjern den ene, og prøv igen. Intet er importeret."
                )
            columns[name] = index
        if not columns:
            known = ", ".join(f.headings[0] for f in self.fields.values())
            raise ImportFileError(
                "Filens første linje har ingen kendte kolonneoverskrifter. Første linje skal have overskrifter som "
                f"{known}. Intet er importeret."
            )
        missing = [f.label for f in self.fields.values() if f.required and f.field not in columns]
        if missing:
            raise ImportFileError(
                f"Filen mangler kolonnen {', '.join(missing)} (overskrifter fx "
                + ", ".join(f"«{h}»" for f in self.fields.values() if f.required for h in f.headings[:3])
                + "). Intet er importeret."
            )
        return columns, ignored


def parse_import_mapping(text: str) -> ImportMapping:
    """Read and check the mapping: known fields only, each with a label and a non-empty list of headings,
    no heading for two fields, ``name`` present and required."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImportMappingError([f"Filen er ikke gyldig TOML: {exc}"]) from None
    problems: list[str] = []
    table = data.get("fields")
    if not isinstance(table, dict) or not table:
        raise ImportMappingError(["[fields.*] mangler"])
    fields: dict[str, FieldMapping] = {}
    seen: dict[str, str] = {}
    for name, spec in table.items():
        if name not in FIELDS:
            problems.append(f"fields.{name}: ukendt felt (kendte: {', '.join(FIELDS)})")
            continue
        if not isinstance(spec, dict):
            problems.append(f"fields.{name}: skal være en tabel")
            continue
        label, headings, required = spec.get("label"), spec.get("headings"), spec.get("required", False)
        unknown_keys = set(spec) - {"label", "headings", "required"}
        if unknown_keys:
            problems.append(f"fields.{name}: ukendte nøgler {', '.join(sorted(unknown_keys))}")
        if not isinstance(label, str) or not label.strip():
            problems.append(f"fields.{name}.label: skal være en tekst")
            label = name
        if not isinstance(required, bool):
            problems.append(f"fields.{name}.required: skal være true eller false")
            required = False
        if (
            not isinstance(headings, list)
            or not headings
            or not all(isinstance(h, str) and h.strip() for h in headings)
        ):
            problems.append(f"fields.{name}.headings: skal være en liste af overskrifter")
            continue
        for heading in headings:
            key = heading_key(heading)
            if key in seen and seen[key] != name:
                problems.append(f"fields.{name}: overskriften «{heading}» bruges også af fields.{seen[key]}")
            seen[key] = name
        fields[name] = FieldMapping(name, label, tuple(headings), required)
    if "name" not in fields or not fields["name"].required:
        problems.append("fields.name: skal findes og have required = true")
    if problems:
        raise ImportMappingError(problems)
    return ImportMapping(fields)


@cache
def load_import_mapping() -> ImportMapping:
    text = resources.files("aaben_raadgivning.assets").joinpath("import_mapping.toml").read_text(encoding="utf-8")
    return parse_import_mapping(text)


# --- the file --------------------------------------------------------------------------------------------

Cell = str | date | int | float | Decimal | None


@dataclass(frozen=True)
class SourceTable:
    """A file's heading line and data rows (line number as a spreadsheet shows it, cells)."""

    name: str  # the file name (for the report and the audit; never a path with personal data in it)
    format: str  # "csv" or "xlsx"
    encoding: str | None  # Danish description: "UTF-8", "UTF-8 med BOM", "Windows-1252"; None for XLSX
    delimiter: str | None  # ";" or ","; None for XLSX
    headers: tuple[str, ...]
    rows: list[tuple[int, tuple[Cell, ...]]]

    @property
    def described(self) -> str:
        if self.format == "xlsx":
            return "XLSX (første ark)"
        separator = "semikolon" if self.delimiter == ";" else "komma"
        return f"CSV, tegnsæt {self.encoding}, adskilt med {separator}"


def decode_text(raw: bytes, name: str) -> tuple[str, str]:
    """The text and a Danish name of its encoding: UTF-8 with BOM, UTF-8, else Windows-1252."""
    if b"\x00" in raw[:4096]:
        raise ImportFileError(
            f"Filen {name} er ikke en tekstfil (CSV). Gem den som CSV eller XLSX. Intet er importeret."
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8-sig"), "UTF-8 med BOM"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return raw.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise ImportFileError(
            f"Filen {name} kan ikke læses som UTF-8 eller Windows-1252. Gem den som CSV (UTF-8). Intet er importeret."
        ) from None


def sniff_delimiter(text: str) -> str:
    """``;`` or ``,``: csv.Sniffer restricted to the two, checked against the heading line."""
    first = text.split("\n", 1)[0]
    counted = ";" if first.count(";") >= first.count(",") else ","
    try:
        sniffed = csv.Sniffer().sniff(text[:16_384], delimiters=";,").delimiter
    except csv.Error:
        return counted
    return sniffed if first.count(sniffed) > 0 else counted


def read_csv(raw: bytes, name: str) -> SourceTable:
    text, encoding = decode_text(raw, name)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    headers: tuple[str, ...] | None = None
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if headers is None:
                if any(c.strip() for c in cells):
                    headers = tuple(cells)
                continue
            if any(c.strip() for c in cells):
                rows.append((start, tuple(cells)))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"Filen {name} har over {MAX_ROWS} rækker. Del den op. Intet er importeret.")
    except csv.Error as exc:
        raise ImportFileError(f"Filen {name} er ikke en gyldig CSV-fil (linje {reader.line_num}: {exc}). "
                              "Intet er importeret.") from None  # fmt: skip
    if headers is None:
        raise ImportFileError(f"Filen {name} er tom. Intet er importeret.")
    return SourceTable(name, "csv", encoding, delimiter, headers, rows)


def _xlsx_cell(value: object) -> Cell:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date | int | float | Decimal | str) or value is None:
        return value
    return str(value)


def read_xlsx(path: Path) -> SourceTable:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, EOFError):
        raise ImportFileError(
            f"Filen {path.name} er ikke en gyldig XLSX-fil (den kan være beskadiget). Gem den igen fra Excel. "
            "Intet er importeret."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        headers: tuple[str, ...] | None = None
        rows: list[tuple[int, tuple[Cell, ...]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = tuple(_xlsx_cell(v) for v in values)
            filled = any(c is not None and str(c).strip() for c in cells)
            if headers is None:
                if filled:
                    headers = tuple("" if c is None else str(c) for c in cells)
                continue
            if filled:
                rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"Filen {path.name} har over {MAX_ROWS} rækker. Del den op. Intet er importeret.")
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError):
        raise ImportFileError(
            f"Filen {path.name} er beskadiget. Gem den igen fra Excel. Intet er importeret."
        ) from None
    finally:
        workbook.close()
    if headers is None:
        raise ImportFileError(f"Filen {path.name} er tom. Intet er importeret.")
    return SourceTable(path.name, "xlsx", None, None, headers, rows)


def read_source(path: str | Path) -> SourceTable:
    """The file as a table, by its ending (.csv/.txt or .xlsx). Raises ImportFileError (Danish)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
        raise ImportFileError(
            f"Filen {path.name} skal være en CSV- eller XLSX-fil (ende på .csv eller .xlsx). Intet er importeret."
        )
    if not path.exists():
        raise ImportFileError(f"Filen {path} findes ikke. Intet er importeret.")
    if not path.is_file():
        raise ImportFileError(f"{path} er ikke en almindelig fil. Intet er importeret.")
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Filen {path} kan ikke læses ({exc.strerror}). Intet er importeret.") from None
    if raw.startswith(b"PK\x03\x04"):
        raise ImportFileError(f"Filen {path.name} er en XLSX-fil med forkert endelse. Omdøb den til .xlsx.")
    return read_csv(raw, path.name)


# --- typing the rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitizenRow:
    """One row, typed. A field that is None was empty (or has no column): the import leaves it as it is."""

    line: int
    name: str | None = None
    cpr: CprInfo | None = None
    phone: str | None = None
    address: str | None = None
    benefit_type: str | None = None
    benefit_since: date | None = None
    readiness: str | None = None
    match_group: str | None = None
    jobkonsulent: str | None = None  # initials, upper case
    jobformidler: str | None = None
    housing_area: str | None = None
    problems: tuple[str, ...] = ()  # Danish: why the row is refused
    warnings: tuple[str, ...] = ()  # Danish, never blocking (a CPR failing modulus 11)


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def resolve_code(vocabulary: Vocabulary, text: str) -> str | None:
    """The code for a code or a Danish label, case- and accent-insensitively (active terms only)."""
    wanted = fold(text)
    for term in vocabulary.active():
        if fold(term.code) == wanted or fold(term.label) == wanted:
            return term.code
    return None


def _match_group_text(text: str) -> str:
    """ "3", "3,0", "3.0" and "Matchgruppe 3" as "3" (decimal comma as Danes write it)."""
    try:
        number = parse_decimal(text)
    except NumberInputError:
        return text
    return str(int(number)) if number == number.to_integral_value() else text


@dataclass
class RowTyper:
    """Types rows of one file: the columns found by the mapping, the vocabularies, today (for dates)."""

    columns: dict[str, int]
    mapping: ImportMapping
    today: date
    reference: Reference = field(default_factory=load_reference)

    def type_row(self, line: int, cells: Sequence[Cell]) -> CitizenRow:
        problems: list[str] = []
        warnings: list[str] = []
        values: dict[str, object] = {}

        def cell(name: str) -> Cell:
            index = self.columns.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        def problem(name: str, message: str) -> None:
            problems.append(f"{self.mapping.label(name)}: {message}")

        for name in FIELDS:
            raw = cell(name)
            text = _text(raw)
            if not text:
                continue
            if name == "cpr":
                if isinstance(raw, int | float) or (text.isdigit() and len(text) == 9):
                    text = text.zfill(10)  # a spreadsheet stored the CPR as a number and dropped the leading 0
                try:
                    info = parse_cpr(text, self.today)
                except CprError as exc:
                    problem(name, exc.message)
                else:
                    values["cpr"] = info
                    warnings.extend(info.warnings)
            elif name == "phone":
                try:
                    values["phone"] = normalize_phone(text)
                except ValidationError as exc:
                    problem(name, exc.message)
            elif name == "benefit_since":
                if isinstance(raw, date):
                    values[name] = raw
                    continue
                try:
                    values[name] = parse_date(text, self.today)
                except DateInputError as exc:
                    problem(name, exc.message)
            elif name in CODED:
                vocabulary: Vocabulary = getattr(self.reference, CODED[name])
                code = resolve_code(vocabulary, _match_group_text(text) if name == "match_group" else text)
                if code is None:
                    terms = vocabulary.active()
                    known = ", ".join(term.code if name == "match_group" else term.label for term in terms)
                    problem(name, _UNKNOWN_CODE[name].format(text=text, known=known))
                else:
                    values[name] = code
            elif name in ("jobkonsulent", "jobformidler"):
                initials = text.upper()
                if _INITIALS_RE.fullmatch(initials) is None:
                    problem(name, f"«{text}» er ikke initialer (fx JK)")
                else:
                    values[name] = initials
            else:
                values[name] = " ".join(text.split())
        if "name" not in values:
            problem("name", "navnet mangler")
        if "cpr" not in values and "phone" not in values and not problems:
            problems.append(
                "rækken har hverken CPR-nummer eller telefonnummer, så borgeren kan ikke genkendes ved en ny import"
            )
        return CitizenRow(line, problems=tuple(problems), warnings=tuple(warnings), **values)  # type: ignore[arg-type]


def typed_rows(
    table: SourceTable,
    today: date,
    mapping: ImportMapping | None = None,
) -> tuple[list[CitizenRow], dict[str, str], list[str]]:
    """The table's rows typed; the recognised columns (field → heading) and the ignored headings."""
    mapping = mapping or load_import_mapping()
    columns, ignored = mapping.match(table.headers)
    typer = RowTyper(columns, mapping, today)
    rows = [typer.type_row(line, cells) for line, cells in table.rows]
    return rows, {name: table.headers[index].strip() for name, index in columns.items()}, ignored


# --- the report --------------------------------------------------------------------------------------

NEW, UPDATE, UNCHANGED, DUPLICATE, REFUSED = "new", "update", "unchanged", "duplicate", "refused"
# (singular, plural) of each kind, for the counts.
KIND_NOUNS = {
    NEW: ("ny borger", "nye borgere"), UPDATE: ("opdatering", "opdateringer"), UNCHANGED: ("uændret", "uændrede"),
    DUPLICATE: ("mulig dublet", "mulige dubletter"), REFUSED: ("afvist række", "afviste rækker"),
}  # fmt: skip


@dataclass(frozen=True)
class RowOutcome:
    line: int
    kind: str  # NEW, UPDATE, UNCHANGED, DUPLICATE, REFUSED
    name: str = ""  # the row's name (shown on screen only; never in the audit)
    reasons: tuple[str, ...] = ()  # Danish: why refused / whom it resembles / the fields changed
    warnings: tuple[str, ...] = ()


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do), row by row."""

    file_name: str
    described: str  # the file's format, encoding and separator in Danish
    dry_run: bool
    columns: dict[str, str]  # field → heading
    ignored: list[str]
    outcomes: list[RowOutcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(KIND_NOUNS, 0)
        for outcome in self.outcomes:
            counts[outcome.kind] += 1
        return counts

    @property
    def all_ok(self) -> bool:
        counts = self.counts()
        return counts[REFUSED] == 0 and counts[DUPLICATE] == 0

    def _counted(self) -> str:
        counts = self.counts()
        return ", ".join(count_text(counts[kind], *nouns) for kind, nouns in KIND_NOUNS.items())

    def summary(self) -> str:
        verb = "vil give" if self.dry_run else "gav"
        return f"{count_text(len(self.outcomes), 'række', 'rækker')} i {self.file_name} {verb}: {self._counted()}."

    def audit_counts(self) -> str:
        """The counts for the audit entry: numbers only, never a name or a CPR number."""
        return self._counted()

    def lines(self, mapping: ImportMapping | None = None, *, limit: int = 200) -> list[str]:
        """The report in Danish, with line numbers: the file, the columns, then the rows that need a look."""
        mapping = mapping or load_import_mapping()
        title = "Prøvekørsel (intet er gemt)" if self.dry_run else "Import"
        out = [f"{title}: {self.file_name} – {self.described}."]
        out.append("Kolonner: " + ", ".join(f"{h} → {mapping.label(f)}" for f, h in self.columns.items()) + ".")
        if self.ignored:
            out.append("Ignorerede kolonner: " + ", ".join(self.ignored) + ".")
        out.append(self.summary())
        shown = 0
        for kind, heading in ((REFUSED, "Afviste rækker"), (DUPLICATE, "Mulige dubletter"), (UPDATE, "Opdateringer"),
                              (NEW, "Nye borgere")):  # fmt: skip
            chosen = [o for o in self.outcomes if o.kind == kind]
            if not chosen:
                continue
            out.append(f"{heading}:")
            for outcome in chosen:
                if shown >= limit:
                    break
                detail = " ".join(_sentence(text) for text in outcome.reasons + outcome.warnings)
                out.append(f"  linje {outcome.line}: {outcome.name}" + (f" – {detail}" if detail else ""))
                shown += 1
        if shown >= limit:
            out.append(f"(kun de første {limit} rækker er vist)")
        return out


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


ProgressCallback = Callable[[float, str], None]


def describe_fields(names: Iterable[str], labels: dict[str, str]) -> str:
    return ", ".join(labels.get(name, name) for name in names)
