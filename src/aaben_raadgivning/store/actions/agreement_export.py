"""Export an agreement as a printable document (PDF or Markdown): one user action, audited.

The file is written under a temporary name next to the target (readable only by its owner), the audit entry
is committed, and only then is the file renamed into place: there is never a half file, nor a finished
export the audit log does not know about. Health notes are included only when the user chose to, and the
audit entry says whether they were.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.documents.agreement import (
    build_agreement_document,
    render_markdown,
    render_pdf,
)
from aaben_raadgivning.store.documents.plan import UI_FORCE_HINT, check_target
from aaben_raadgivning.store.models import Agreement
from aaben_raadgivning.store.records import authorize, authorize_read

FORMATS = {"pdf": ".pdf", "md": ".md"}
FORMAT_LABELS = {"pdf": "PDF", "md": "Markdown"}


def _slug(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "aftale"


def default_file_name(citizen_name: str, company_name: str, version: int, fmt: str) -> str:
    return f"aftale-{_slug(citizen_name)}-{_slug(company_name)}-v{version}{FORMATS.get(fmt, '.pdf')}"


def export_agreement(
    db: Database,
    actor_id: str,
    agreement_id: str,
    target: Path | str,
    *,
    fmt: str,
    include_health: bool = False,
    force: bool = False,
) -> Path:
    """Write the agreement to ``target`` as ``fmt`` ("pdf" or "md"); returns the path written. A file already there
    is replaced only with ``force``, and only when it is a regular file (never a folder, a device or a pipe)."""
    if fmt not in FORMATS:
        raise ValidationError.single("format", "Vælg PDF eller Markdown.")
    raw = str(target).strip()
    if not raw:
        raise ValidationError.single("path", "Skriv hvor filen skal gemmes.")
    path = Path(raw).expanduser()
    if path.is_dir():
        raise ValidationError.single("path", "Stien er en mappe. Skriv også et filnavn.")
    if path.suffix.lower() != FORMATS[fmt]:
        path = path.with_name(path.name + FORMATS[fmt]) if path.suffix == "" else path.with_suffix(FORMATS[fmt])
    check_target(path, force, UI_FORCE_HINT)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError.single("path", f"Mappen kan ikke oprettes: {exc.strerror or exc}.") from None
    temp_name: str | None = None
    try:
        with db.transaction() as tx:
            authorize(tx, actor_id, "export_agreement")
            if include_health:
                agreement = tx.session.get(Agreement, agreement_id)
                authorize_read(tx, actor_id, "health", agreement.citizen_id if agreement is not None else None)
            document = build_agreement_document(
                tx.session, agreement_id, include_health=include_health, today=local_date(tx.now)
            )
            data = render_pdf(document) if fmt == "pdf" else render_markdown(document).encode("utf-8")
            try:
                fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise ValidationError.single("path", f"Filen kan ikke skrives: {exc.strerror or exc}.") from None
            agreement = tx.session.get(Agreement, agreement_id)
            citizen_id = agreement.citizen_id if agreement is not None else None
            health = "med helbredsoplysninger" if include_health else "uden helbredsoplysninger"
            tx.audit(
                actor_id, "export", "agreement", agreement_id, citizen_id,
                f"Aftale udskrevet som {FORMAT_LABELS[fmt]} ({health}) til {path}",
            )  # fmt: skip
        check_target(path, force, UI_FORCE_HINT)  # again: something may have appeared there meanwhile
        os.replace(temp_name, path)
        temp_name = None
    finally:
        if temp_name is not None and os.path.exists(temp_name):
            os.unlink(temp_name)
    return path
