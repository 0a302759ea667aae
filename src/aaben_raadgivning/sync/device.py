"""Giving a laptop a new device id after its disk was cloned (``aaben-raadgivning device reset``).

Two laptops made from one disk image share a device id. The sync notices when it finds, in its own
folder on the share, a segment it never wrote (exit 4), and stops before anything mixes. The laptop that
got that refusal is reset: it gets a new id and becomes a new device on the share; the old id, with
everything published under it, now belongs to the other laptop and is read like any other device's.

What this laptop made under the old id and that is *not* on the share under that id (its changes since
the clone) is re-labelled to the new id and sent from the new folder; what is on the share under the old id
stays the old id's (the other laptop, or this one before the clone, sent it). Nothing is stranded: each
change ends up in exactly one device's segments, and every replica stores it under that device.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from aaben_raadgivning.ids import new_id
from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store import audit_chain
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.sync import sealing, state_file
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync.office_share import ShareIdentityError, check_share_key
from aaben_raadgivning.sync.share_io import ShareIO


class DeviceResetError(Exception):
    """The reset cannot be done safely now; Danish message, nothing changed."""


@dataclass(frozen=True)
class DeviceReset:
    old_id: str
    new_id: str
    relabelled: int  # own changes that will be sent again under the new id
    kept: int  # changes that stay the old id's (they are on the share under it)
    announced: bool  # the new id's folder and progress are on the share (else the next sync writes them)


def _published_ids(io: ShareIO, device: str, key: OfficeKey | None) -> set[str]:
    """Every change id in the old id's segments on the share. A damaged file is an error: its changes
    cannot be told apart, and guessing could send a change under two ids."""
    ids: set[str] = set()
    folder = io.root / seg.DEVICES_DIR / device
    for entry in io.listdir(folder):
        if seg.parse_name(entry.name) is None:
            continue
        try:
            segment = seg.decode(io.read(Path(entry.path)), key, device=device, name=entry.name)
        except seg.SegmentError as exc:
            raise DeviceResetError(
                f"Filen {entry.name} i den gamle enheds mappe på fællesmappen kan ikke læses ({exc}). Synkronisér "
                "den anden computer først (den skriver filen igen), og prøv så igen. Intet er ændret."
            ) from None
        except FileNotFoundError:
            continue
        ids.update(change.id for change in segment.changes)
    return ids


def reset_device(db: Database, share: Path) -> DeviceReset:
    """Give this laptop a new device id (see the module docstring). The database must be closed and opened
    again afterwards (its clock and Database.device_id still name the old id)."""
    io = ShareIO(share)
    if not io.reachable():
        raise DeviceResetError(
            f"Fællesmappen {share} kan ikke nås. Den skal kunne læses for at nulstille. Intet er ændret."
        )
    try:  # (a share of another office key, or a plain one, is not read, and nothing is written there)
        check_share_key(io, db.office_key)
    except ShareIdentityError as exc:
        raise DeviceResetError(f"{exc} Intet er ændret.") from None
    old = db.device_id
    published = _published_ids(io, old, db.office_key)
    new, relabelled, mine, applied = relabel_own_changes(db, published)
    return DeviceReset(old, new, relabelled, mine - relabelled, _announce(io, new, applied, db.office_key))


def relabel_own_changes(db: Database, published: set[str]) -> tuple[str, int, int, dict[str, int]]:
    """The reset itself, in one local transaction: a new id, under which the own changes not in
    ``published`` (the ids the share or the sync server holds under the old id) will be sent. Returns the
    new id, how many were relabelled, how many own changes there were, and the share progress to announce."""
    old = db.device_id
    new = new_id()
    with db.write() as conn:
        mine = conn.exec_driver_sql("SELECT count(*) FROM change_log WHERE device_id = ?", (old,)).scalar_one()
        # Unsent as far as this laptop knows: a change in a segment it recorded went out under the old id
        # (its file may since have been removed from the share, once every laptop had applied it).
        unsent = (
            conn.exec_driver_sql(
                "SELECT c.id FROM change_log AS c JOIN sync_outbox AS o ON o.change_id = c.id "
                "WHERE c.device_id = ? AND o.segment IS NULL",
                (old,),
            )
            .scalars()
            .all()
        )
        relabel = [change_id for change_id in unsent if change_id not in published]
        recorded = conn.exec_driver_sql("SELECT coalesce(max(last_seq), 0) FROM sync_own_segments").scalar_one()
        ids = json.dumps(relabel)
        # hlc ends with the device id (its tie-breaker): "<15 digits>-<5 digits>-<device>"
        conn.exec_driver_sql(
            "UPDATE change_log SET device_id = ?, hlc = substr(hlc, 1, 22) || ? "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (new, new, ids),
        )
        # Audit rows written on the clone fork the old id's hash chain: they start the new id's chain instead.
        audit_chain.rechain_as(conn, relabel, new)
        conn.exec_driver_sql("DELETE FROM sync_outbox WHERE change_id NOT IN (SELECT value FROM json_each(?))", (ids,))
        conn.exec_driver_sql("UPDATE sync_outbox SET segment = NULL")
        conn.exec_driver_sql("DELETE FROM sync_own_segments")
        # The old id is another device now; we have applied what we ourselves had recorded of it.
        conn.exec_driver_sql(
            "INSERT INTO sync_peers (device_id, applied_seq, name, last_hlc) VALUES (?, ?, '', NULL) "
            "ON CONFLICT(device_id) DO UPDATE SET applied_seq = excluded.applied_seq",
            (old, recorded),
        )
        conn.exec_driver_sql("DELETE FROM local_meta WHERE key IN ('sync_conflicts_seq', 'sync_safe_mode')")
        conn.exec_driver_sql("UPDATE local_meta SET value = ? WHERE key = 'device_id'", (new,))
        applied: dict[str, int] = dict(conn.exec_driver_sql("SELECT device_id, applied_seq FROM sync_peers").all())
    return new, len(relabel), mine, applied


def _announce(io: ShareIO, device: str, applied: dict[str, int], key: OfficeKey | None) -> bool:
    """Put the new id on the share at once, with what it has applied (the old id's segments up to what
    this laptop recorded): a laptop that stays off for days after the reset is then a known device, and
    the others keep every file it still lacks (their clean-up needs its evidence) instead of removing
    them unseen. Written after the reset is committed; if the share fails now, the next sync writes it."""
    folder = io.root / seg.DEVICES_DIR / device
    try:
        io.mkdir(folder)
        place = f"{seg.DEVICES_DIR}/{device}/{state_file.NAME}"
        content = sealing.seal_json(key, sealing.ROLE_STATE, place, state_file.make(device, 0, applied, set()))
        io.publish(folder, state_file.NAME, content, replace=True)
    except OSError:
        return False
    return True
