"""Erasure (GDPR art. 17 «sletning»): a jobkonsulent, or the command line at the machine, erases a citizen.

What goes, here and — through the sync's ``purge`` entries — on every other laptop and on the share:
- the citizen row and every row that points at it (timeline, walk-ins, follow-ups, delmål, agreements,
  hours, consents…), their values in the change log, their conflicts, their search-index terms
  (``store.replica.Applier.purge``);
- every audit row about the person: those with the person's ``citizen_id`` (opened, searched, changed —
  their detail texts quote search terms and what was written), and those without it whose text names the
  person (a search that only listed hits, typed with the name or the CPR number). Each is purged as a row
  of its own, so a laptop that receives such a row later drops it too;
- the local backups in the data folder that still hold the person (``scrub_backups``).

What remains is the fact: the ``purge`` change-log entries (ids only) and one audit row «Personoplysninger
slettet (GDPR)» naming who erased, when and how many rows — never the name, the CPR number or the reason's
mention of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.text import LONG_TEXT_LENGTH, clean_text
from aaben_raadgivning.store.backups import checkpoint
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.store.records import authorize, authorize_if_person
from aaben_raadgivning.store.replica import Applier

ERASED = "[slettet]"  # what stands in a kept text where the person was named


@dataclass(frozen=True)
class ErasureResult:
    citizen_id: str
    rows_removed: int  # the citizen's rows and the rows pointing at it
    audit_rows_removed: int  # audit rows about the person (by citizen id or naming them)


def _compact(text: str) -> str:
    return " ".join(text.casefold().split())


def confirmation_matches(citizen: Citizen, typed: str) -> bool:
    """The typed confirmation: the citizen's full name (case and spacing aside) or the last 4 CPR digits."""
    typed_compact = _compact(typed)
    if not typed_compact:
        return False
    if typed_compact == _compact(citizen.name):
        return True
    cpr = citizen.cpr
    return cpr is not None and len(cpr) == 10 and typed.strip() == cpr[-4:]


def person_needles(name: str, cpr: str | None) -> list[str]:
    """The texts that name the person, casefolded: the full name and the CPR number with and without dash."""
    needles = [_compact(name)] if name.strip() else []
    if cpr:
        needles += [cpr, f"{cpr[:6]}-{cpr[6:]}", f"{cpr[:6]} {cpr[6:]}"]
    return needles


def _names_person(text: str, needles: list[str]) -> bool:
    compact = _compact(text)
    return any(needle in compact for needle in needles)


def scrub_text(text: str, name: str, cpr: str | None) -> str:
    """``text`` with the person's name (and each of its parts) and CPR number replaced by ``[slettet]``."""
    words = sorted({name.strip(), *name.split()}, key=len, reverse=True)
    for word in words:
        if len(word) >= 2:
            text = re.sub(re.escape(word), ERASED, text, flags=re.IGNORECASE)
    if cpr:
        text = re.sub(rf"{cpr[:6]}[-\s]?{cpr[6:]}", ERASED, text)
        text = text.replace(cpr[:6], ERASED)  # the birth date part alone
    return text


def erase_citizen(
    db: Database,
    actor_id: str | None,
    citizen_id: str,
    *,
    confirmation: str,
    reason: str,
    os_user: str | None = None,
) -> ErasureResult:
    """Erase a citizen everywhere (see the module docstring). ``actor_id`` None: the command line at the
    machine (audited with ``os_user``). Raises PermissionDenied, NotFoundError or ValidationError (Danish);
    nothing is written then."""
    reason = clean_text(reason, "reason", max_length=LONG_TEXT_LENGTH, multiline=True)
    with db.transaction() as tx:
        authorize_if_person(tx, actor_id, "purge_citizen")
        citizen = tx.session.get(Citizen, citizen_id)
        if citizen is None:
            raise NotFoundError("Borgeren findes ikke (længere).")
        errors: dict[str, str] = {}
        if not confirmation_matches(citizen, confirmation):
            errors["confirmation"] = (
                "Skriv borgerens fulde navn eller de sidste 4 cifre i CPR-nummeret for at bekræfte sletningen."
            )
        if not reason:
            errors["reason"] = "Skriv hvorfor borgerens oplysninger slettes."
        if errors:
            raise ValidationError(errors)
        name, cpr = citizen.name, citizen.cpr
        needles = person_needles(name, cpr)
        tx.purge("citizens", citizen_id)
        tx.session.flush()
        tx.session.expunge_all()  # the rows are removed below, outside the ORM
        conn = tx.session.connection()
        applier = Applier(conn)
        by_id = conn.exec_driver_sql("SELECT count(*) FROM audit_log WHERE citizen_id = ?", (citizen_id,)).scalar_one()
        removed = applier.purge("citizens", citizen_id)  # with the audit rows carrying the citizen's id
        # Audit rows without the citizen's id that name the person (searches that listed hits, texts).
        naming = [
            row_id
            for row_id, detail in conn.exec_driver_sql("SELECT id, detail FROM audit_log WHERE detail != ''")
            if _names_person(detail, needles)
        ]
        for row_id in naming:
            tx.purge("audit_log", row_id)
        tx.session.flush()
        for row_id in naming:
            applier.purge("audit_log", row_id)
        audit_rows = by_id + len(naming)
        printable = "".join(char for char in os_user or "" if char.isprintable())[:64]
        who = f" (fra kommandolinjen af brugeren «{printable}»)" if actor_id is None and printable else ""
        tx.audit(
            actor_id, "purge", "citizen", citizen_id, None,
            f"Personoplysninger slettet (GDPR){who}: {scrub_text(reason, name, cpr)[:200]} "
            f"({removed - by_id} rækker om borgeren, {audit_rows} logrækker)",
        )  # fmt: skip
    checkpoint(db)
    return ErasureResult(citizen_id, removed - by_id, audit_rows)


@dataclass(frozen=True)
class ErasureCandidate:
    citizen_id: str
    name: str
    cpr: str | None


def find_for_erasure(db: Database, *, cpr: str | None = None, citizen_id: str | None = None) -> list[ErasureCandidate]:
    """The citizens a CPR number (any spelling: digits, with dash or space) or an id names; the command line
    shows them before it asks for the confirmation."""
    from sqlalchemy import select

    with db.session() as session:
        if citizen_id is not None:
            found = [session.get(Citizen, citizen_id.strip())]
        else:
            digits = re.sub(r"\D", "", cpr or "")
            if len(digits) != 10:
                raise ValidationError.single("cpr", "Et CPR-nummer har 10 cifre (ddmmåå-xxxx).")
            found = list(session.scalars(select(Citizen).where(Citizen.cpr == digits).order_by(Citizen.name)))
        return [ErasureCandidate(c.id, c.name, c.cpr) for c in found if c is not None]


def record_retention_list(db: Database, actor_id: str, count: int) -> None:
    """The retention list was shown (a read of names: audited with its criterion, not the names)."""
    with db.transaction() as tx:
        authorize(tx, actor_id, "purge_citizen")  # the list exists to erase from it: the same people see it
        tx.audit(actor_id, "read", "citizen", None, None, f"Slettefrist: liste vist ({count} borgere)")
