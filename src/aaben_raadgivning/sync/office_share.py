"""Which office share this laptop belongs to: a share has an identity, a laptop remembers it.

A sync against an empty folder (an unmounted mount point, a mistyped path) used to be treated as "a new
share where nobody else is": it wrote everything there and then cleaned up as if every other laptop had
what it sent. Now a share is set up once, explicitly (``aaben-raadgivning share init``), which writes
``aaben-raadgivning-share.json`` with a random share id next to the format manifest. The first sync of a
laptop that belongs to no share yet joins the share it finds (that is setting the laptop up); from then on
the laptop syncs only with a folder holding the same id, and refuses anything else *before writing a byte
there*. Moving a laptop to another share is its own act (``share join``), which starts the laptop's
bookkeeping over on the new share and sends all its own changes there again.

Shares set up before identities existed have a manifest but no identity file: a laptop that finds its own
device folder there (or that has never synced) gives the share its identity; the file is created
exclusively, so when two laptops do it at once both end up with the one that won.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync.share_io import PublishConflict, ShareIO

SHARE_ID_NAME = "aaben-raadgivning-share.json"
SHARE_ID_KEY = "sync_share_id"
# Local bookkeeping about a share that starts over when the laptop joins another one.
_SHARE_META = ("sync_share_id", "sync_known_devices", "sync_last_success", "sync_conflicts_seq", "sync_gaps",
               "sync_scrubbed_purges", "sync_purges_for_snapshot", "sync_partial")  # fmt: skip


class ShareIdentityError(Exception):
    """The folder is not this laptop's share (empty, another office's, or not set up); Danish message."""


@dataclass(frozen=True)
class ShareInfo:
    share_id: str | None  # None: a share from before identities (manifest only)
    has_manifest: bool
    has_own_folder: bool


def _meta(conn: Connection, key: str) -> str | None:
    return conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = ?", (key,)).scalar()


def _set_meta(conn: Connection, key: str, value: str) -> None:
    conn.exec_driver_sql("INSERT OR REPLACE INTO local_meta (key, value) VALUES (?, ?)", (key, value))


def remembered_share(db: Database) -> str | None:
    with db.engine.connect() as conn:
        value = _meta(conn, SHARE_ID_KEY)
        conn.rollback()
    return value


def remember_share(db: Database, share_id: str) -> None:
    with db.write() as conn:
        _set_meta(conn, SHARE_ID_KEY, share_id)


def has_synced(db: Database, *, received: bool = False) -> bool:
    """True once this laptop has sent anything through a share (or, with ``received``, received anything).
    Only sending binds a laptop to a share: its segment numbers continue there. A laptop that has only
    received (a new laptop started from a snapshot, killed before it remembered the share) joins safely."""
    query = "SELECT EXISTS (SELECT 1 FROM sync_own_segments)"
    if received:
        query += " OR EXISTS (SELECT 1 FROM sync_peers)"
    with db.engine.connect() as conn:
        synced = conn.exec_driver_sql(query).scalar_one()
        conn.rollback()
    return bool(synced)


def read_share(io: ShareIO, device_id: str) -> ShareInfo:
    """What the folder holds, read only."""
    try:
        data = io.read(io.root / SHARE_ID_NAME)
        share_id = str(json.loads(data)["share_id"])
    except FileNotFoundError:
        share_id = None
    except (ValueError, KeyError, TypeError):
        raise ShareIdentityError(
            f"Fællesmappen {io.root} kan ikke bruges: filen {SHARE_ID_NAME} er beskadiget. Intet er skrevet. "
            "Kontakt support."
        ) from None
    has_manifest = (io.root / seg.MANIFEST_NAME).is_file()
    has_own_folder = (io.root / seg.DEVICES_DIR / device_id).is_dir()
    return ShareInfo(share_id, has_manifest, has_own_folder)


def _identity_bytes(share_id: str) -> bytes:
    return (json.dumps({"app": "aaben-raadgivning", "share_id": share_id}) + "\n").encode()


def _create_identity(io: ShareIO) -> str:
    """Give the share its identity (exclusively: when two laptops race, both take the winner's)."""
    with contextlib.suppress(PublishConflict):
        io.publish(io.root, SHARE_ID_NAME, _identity_bytes(uuid.uuid4().hex))
    return str(json.loads(io.read(io.root / SHARE_ID_NAME))["share_id"])


def _not_this_share(share: Path, reason: str) -> ShareIdentityError:
    return ShareIdentityError(
        f"Mappen {share} er ikke denne computers fællesmappe: {reason}. Der er ikke skrevet noget i den, og "
        "ændringerne venter sikkert her. Tjek, at fællesdrevet er tilsluttet, og at stien i indstillingerne "
        "er rigtig. Skal computeren flyttes til en anden fællesmappe, så brug "
        "«aaben-raadgivning share join --share MAPPE»."
    )


def check_share(db: Database, io: ShareIO) -> str:
    """Make sure ``io.root`` is this laptop's share before anything is written there. Returns the share id.
    A laptop that belongs to no share yet joins the share it finds (remembering its id); an empty or
    unknown folder, or another share, raises ShareIdentityError."""
    share = io.root
    info = read_share(io, db.device_id)
    known = remembered_share(db)
    if not info.has_manifest:
        if info.share_id is None and not any(True for _ in io.listdir(share)):
            reason = "mappen er tom"
        else:
            reason = "den er ikke sat op som fællesmappe for Åben Rådgivning"
        if known is None and not has_synced(db):
            raise ShareIdentityError(
                f"Mappen {share} er ikke en fællesmappe for Åben Rådgivning ({reason}). Der er ikke skrevet "
                "noget i den. Er det kontorets nye fællesmappe, så sæt den op én gang med "
                f"«aaben-raadgivning share init --share {share}»; ellers tjek stien."
            )
        raise _not_this_share(share, reason)
    share_id = info.share_id
    if share_id is None:  # a share from before identities
        if known is not None:
            raise _not_this_share(share, "den har ikke den fællesmappe-identitet, computeren kender")
        if has_synced(db) and not info.has_own_folder:
            raise _not_this_share(share, "computeren har aldrig synkroniseret med den")
        share_id = _create_identity(io)
    if known is None:
        if has_synced(db) and not info.has_own_folder:
            raise _not_this_share(share, "computeren har synkroniseret med en anden fællesmappe")
        remember_share(db, share_id)
        return share_id
    if known != share_id:
        raise _not_this_share(share, "den tilhører et andet kontor eller er en anden fællesmappe")
    return share_id


def create_share(share: Path) -> str:
    """Set up an office share in an existing folder that holds nothing of ours (``share init``). Returns the
    new share id. Refuses a folder that already is a share, or one that holds other files."""
    io = ShareIO(share)
    if not io.reachable():
        raise ShareIdentityError(f"Mappen {share} findes ikke eller kan ikke nås. Opret den først.")
    if (share / seg.MANIFEST_NAME).exists() or (share / SHARE_ID_NAME).exists():
        raise ShareIdentityError(f"Mappen {share} er allerede en fællesmappe for Åben Rådgivning. Intet er ændret.")
    if any(not entry.name.startswith(".") for entry in io.listdir(share)):
        raise ShareIdentityError(
            f"Mappen {share} er ikke tom. Brug en ny, tom mappe til fællesmappen. Intet er ændret."
        )
    share_id = _create_identity(io)
    with contextlib.suppress(PublishConflict):
        io.publish(share, seg.MANIFEST_NAME, seg.manifest_bytes(), verify=seg.manifest_format)
    return share_id


def join_share(db: Database, share: Path) -> bool:
    """Make ``share`` this laptop's share (``share join``). Returns True when the laptop moved from another
    share: then its bookkeeping starts over there — every own change is sent again, every other laptop's
    segments are read again (applying a change twice changes nothing), and nothing is removed from the
    old share."""
    io = ShareIO(share)
    if not io.reachable():
        raise ShareIdentityError(f"Fællesmappen {share} kan ikke nås.")
    info = read_share(io, db.device_id)
    if not info.has_manifest:
        raise ShareIdentityError(
            f"Mappen {share} er ikke sat op som fællesmappe. Sæt den op med «aaben-raadgivning share init»."
        )
    share_id = info.share_id or _create_identity(io)
    known = remembered_share(db)
    if known == share_id:
        return False
    moved = known is not None or has_synced(db, received=True)
    with db.write() as conn:
        if moved:
            for key in _SHARE_META:
                conn.exec_driver_sql("DELETE FROM local_meta WHERE key = ?", (key,))
            conn.exec_driver_sql("DELETE FROM sync_own_segments")
            conn.exec_driver_sql("DELETE FROM sync_peers")
            conn.exec_driver_sql("UPDATE sync_outbox SET segment = NULL")
        _set_meta(conn, SHARE_ID_KEY, share_id)
    return moved


# --- retired devices ---------------------------------------------------------------------------------

RETIRED_DIR = "retired"


def retired_devices(io: ShareIO) -> set[str]:
    """Devices retired from the share (a lost or scrapped laptop): nobody waits for them any more."""
    return {
        entry.name.removesuffix(".json") for entry in io.listdir(io.root / RETIRED_DIR)
        if entry.name.endswith(".json") and not entry.name.startswith(".")
    }  # fmt: skip


def find_device(io: ShareIO, wanted: str) -> tuple[str, str]:
    """The device on the share whose name (device.json) or id (or the start of it) is ``wanted``:
    (id, name). Raises ShareIdentityError when none or several match."""
    found = []
    for entry in io.listdir(io.root / seg.DEVICES_DIR):
        if not entry.is_dir():
            continue
        try:
            name = str(json.loads(io.read(Path(entry.path) / "device.json")).get("name") or "")
        except (OSError, ValueError, AttributeError):
            name = ""
        if wanted and (entry.name.startswith(wanted) or name.casefold() == wanted.casefold()):
            found.append((entry.name, name))
    if len(found) != 1:
        what = "ingen" if not found else "flere"
        raise ShareIdentityError(f"Der er {what} computere på fællesmappen, der hedder «{wanted}» eller har det id.")
    return found[0]


def retire_device(db: Database, share: Path, wanted: str) -> tuple[str, str]:
    """Retire a lost or scrapped laptop from the share (``share retire``): the other laptops stop waiting
    for it before they remove old files. Its own files stay readable; its folder may be removed afterwards.
    Returns (id, name)."""
    io = ShareIO(share)
    if check_share(db, io) is None:  # pragma: no cover - check_share raises instead
        raise ShareIdentityError("")
    device, name = find_device(io, wanted)
    if device == db.device_id:
        raise ShareIdentityError("En computer kan ikke tage sig selv ud af fællesmappen.")
    io.mkdir(io.root / RETIRED_DIR)
    body = (json.dumps({"device": device, "name": name, "retired_by": db.device_id}) + "\n").encode()
    try:
        io.publish(io.root / RETIRED_DIR, f"{device}.json", body)
    except PublishConflict:
        pass  # already retired
    return device, name
