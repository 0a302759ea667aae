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

Keys (issue 14): the manifest of a share set up with an office key is sealed (sync/sealing.py) and names
the key's fingerprint (``key_id``) and whether it is the demo key; the identity and retirement files are
sealed too. Before anything is written, a laptop refuses a share made with another office key, a plain
share from before encryption (it must be set up anew: move the folder aside, ``share init`` in a new empty
one, then ``share join`` on every laptop, which sends all its own changes there again), and any of these
files that fails authentication. A plain laptop (no key: the benchmarks' baseline) refuses a sealed share.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.sync import bookkeeping, sealing
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync.share_io import PublishConflict, ShareIO

log = logging.getLogger(__name__)

SHARE_ID_NAME = "aaben-raadgivning-share.json"
DEVICE_INFO = "device.json"
SHARE_ID_KEY = bookkeeping.SHARE_ID_KEY
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


def _identity(io: ShareIO, key: OfficeKey | None, data: bytes) -> str:
    try:
        return str(json.loads(sealing.open_json(key, data, sealing.ROLE_SHARE_ID, SHARE_ID_NAME))["share_id"])
    except sealing.SealError as exc:
        reason = f"filen {SHARE_ID_NAME} kan ikke bruges: {exc}"
    except (ValueError, KeyError, TypeError):
        reason = f"filen {SHARE_ID_NAME} er beskadiget"
    raise ShareIdentityError(f"Fællesmappen {io.root} kan ikke bruges: {reason}. Intet er skrevet. Kontakt support.")


def read_share(io: ShareIO, device_id: str, key: OfficeKey | None) -> ShareInfo:
    """What the folder holds, read only (the identity authenticated under ``key``)."""
    try:
        share_id: str | None = _identity(io, key, io.read(io.root / SHARE_ID_NAME))
    except FileNotFoundError:
        share_id = None
    has_manifest = (io.root / seg.MANIFEST_NAME).is_file()
    has_own_folder = (io.root / seg.DEVICES_DIR / device_id).is_dir()
    return ShareInfo(share_id, has_manifest, has_own_folder)


def _identity_bytes(share_id: str, key: OfficeKey | None) -> bytes:
    content = (json.dumps({"app": "aaben-raadgivning", "share_id": share_id}) + "\n").encode()
    return sealing.seal_json(key, sealing.ROLE_SHARE_ID, SHARE_ID_NAME, content)


def _create_identity(io: ShareIO, key: OfficeKey | None) -> str:
    """Give the share its identity (exclusively: when two laptops race, both take the winner's)."""
    with contextlib.suppress(PublishConflict):
        io.publish(io.root, SHARE_ID_NAME, _identity_bytes(uuid.uuid4().hex, key))
    return _identity(io, key, io.read(io.root / SHARE_ID_NAME))


SET_UP_ANEW = (
    "Sæt en ny fællesmappe op: flyt den gamle mappe til side (omdøb den), opret en ny, tom mappe, kør "
    "«aaben-raadgivning share init --share MAPPE» én gang og derefter «aaben-raadgivning share join --share "
    "MAPPE» på hver computer (og ret [sync] share i indstillingerne, hvis stien er ny). Hver computer sender så "
    "alle sine egne ændringer til den nye fællesmappe igen; intet går tabt. Den gamle mappe kan slettes, når "
    "alle computere har synkroniseret med den nye."
)


def check_share_key(io: ShareIO, key: OfficeKey | None) -> seg.Manifest:
    """Read the manifest and refuse, before anything is written, a share that is not for this laptop's
    office key: another office's key, a plain share from before encryption (for a laptop with a key), a
    sealed share (for a plain laptop), or a manifest that fails authentication. A manifest of a newer
    format is returned as it says (the round goes to safe mode). Raises ShareIdentityError."""
    share = io.root
    try:
        data = io.read(share / seg.MANIFEST_NAME)
    except FileNotFoundError:
        raise ShareIdentityError(f"Fællesmappen {share} kan ikke nås lige nu. Intet er skrevet.") from None
    try:
        public = seg.manifest_public(data)
    except seg.SegmentError as exc:
        raise ShareIdentityError(f"Fællesmappen {share} kan ikke bruges: {exc}. Intet er skrevet.") from None
    if public.format > seg.FORMAT_VERSION:
        return public
    if key is not None and public.format == seg.PLAIN_FORMAT:
        raise ShareIdentityError(
            f"Fællesmappen {share} er lavet, før kontorets data blev krypteret, og kan ikke bruges af denne "
            f"computer. Der er ikke skrevet noget i den. {SET_UP_ANEW}"
        )
    if key is None and public.format != seg.PLAIN_FORMAT:
        raise ShareIdentityError(
            f"Fællesmappen {share} er krypteret med en kontornøgle, og denne computer har ingen. Intet er skrevet."
        )
    if key is not None and public.key_id != key.key_id:
        what = "demo-kontornøglen" if public.demo else f"kontornøglen {public.key_id}"
        mine = "demo-nøglen" if key.is_demo else f"nøgle {key.key_id}"
        raise ShareIdentityError(
            f"Fællesmappen {share} hører til et andet kontor: den er sat op med {what}, og denne computer har "
            f"{mine}. Der er ikke skrevet noget i den. Tjek stien i indstillingerne, eller skriv kontorets "
            "rigtige gendannelseskode ind med «aaben-raadgivning office join»."
        )
    try:
        return seg.read_manifest(data, key)
    except seg.SegmentError as exc:
        raise ShareIdentityError(
            f"Fællesmappen {share} kan ikke bruges: {exc}. Der er ikke skrevet noget i den. Kontakt support."
        ) from None


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
    known = remembered_share(db)
    if not (share / seg.MANIFEST_NAME).is_file():
        if not (share / SHARE_ID_NAME).exists() and not any(True for _ in io.listdir(share)):
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
    if check_share_key(io, db.office_key).format > seg.FORMAT_VERSION:
        return known or ""  # a newer version's share: the round stops in safe mode before writing
    info = read_share(io, db.device_id, db.office_key)
    share_id = info.share_id
    if share_id is None:  # a share from before identities
        if known is not None:
            raise _not_this_share(share, "den har ikke den fællesmappe-identitet, computeren kender")
        if has_synced(db) and not info.has_own_folder:
            raise _not_this_share(share, "computeren har aldrig synkroniseret med den")
        share_id = _create_identity(io, db.office_key)
    if known is None:
        if has_synced(db) and not info.has_own_folder:
            raise _not_this_share(share, "computeren har synkroniseret med en anden fællesmappe")
        remember_share(db, share_id)
        return share_id
    if known != share_id:
        raise _not_this_share(share, "den tilhører et andet kontor eller er en anden fællesmappe")
    return share_id


def create_share(share: Path, office_key: OfficeKey | None) -> str:
    """Set up an office share in an existing folder that holds nothing of ours (``share init``). Returns the
    new share id. Refuses a folder that already is a share, or one that holds other files.

    The share is made for ``office_key`` (its manifest names the key; every laptop with another key is
    refused). ``None`` makes a plain share (format 1): only the benchmarks' plain baseline does that."""
    key = office_key
    io = ShareIO(share)
    if not io.reachable():
        raise ShareIdentityError(f"Mappen {share} findes ikke eller kan ikke nås. Opret den først.")
    if (share / seg.MANIFEST_NAME).exists() or (share / SHARE_ID_NAME).exists():
        raise ShareIdentityError(f"Mappen {share} er allerede en fællesmappe for Åben Rådgivning. Intet er ændret.")
    if any(not entry.name.startswith(".") for entry in io.listdir(share)):
        raise ShareIdentityError(
            f"Mappen {share} er ikke tom. Brug en ny, tom mappe til fællesmappen. Intet er ændret."
        )
    share_id = _create_identity(io, key)
    with contextlib.suppress(PublishConflict):
        io.publish(share, seg.MANIFEST_NAME, seg.manifest_bytes(key), verify=lambda data: seg.read_manifest(data, key))
    return share_id


def join_share(db: Database, share: Path) -> bool:
    """Make ``share`` this laptop's share (``share join``). Returns True when the laptop moved from another
    share: then its bookkeeping starts over there — every own change is sent again, every other laptop's
    segments are read again (applying a change twice changes nothing), and nothing is removed from the
    old share."""
    io = ShareIO(share)
    if not io.reachable():
        raise ShareIdentityError(f"Fællesmappen {share} kan ikke nås.")
    if not (share / seg.MANIFEST_NAME).is_file():
        raise ShareIdentityError(
            f"Mappen {share} er ikke sat op som fællesmappe. Sæt den op med «aaben-raadgivning share init»."
        )
    if check_share_key(io, db.office_key).format > seg.FORMAT_VERSION:
        raise ShareIdentityError(_NEWER)
    info = read_share(io, db.device_id, db.office_key)
    share_id = info.share_id or _create_identity(io, db.office_key)
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


_NEWER = "Fællesmappen er skrevet af en nyere version af Åben Rådgivning. Opdatér programmet først. Intet er ændret."


# --- retired devices ---------------------------------------------------------------------------------

RETIRED_DIR = "retired"


def retired_devices(io: ShareIO, key: OfficeKey | None, warnings: list[str] | None = None) -> set[str]:
    """Devices retired from the share (a lost or scrapped laptop): nobody waits for them any more. A
    retirement file that fails authentication (or names another device) is ignored, with a warning."""
    retired = set()
    for entry in io.listdir(io.root / RETIRED_DIR):
        if not entry.name.endswith(".json") or entry.name.startswith("."):
            continue
        device = entry.name.removesuffix(".json")
        try:
            content = sealing.open_json(
                key, io.read(Path(entry.path)), sealing.ROLE_RETIRED, f"{RETIRED_DIR}/{entry.name}"
            )
            if key is not None and json.loads(content).get("device") != device:
                raise sealing.SealError(sealing.NOT_AUTHENTIC)
        except FileNotFoundError:
            continue
        except (sealing.SealError, ValueError, AttributeError) as exc:
            log.warning("Ignored retirement file %s: %s", entry.name, exc)
            if warnings is not None:
                warnings.append(f"Filen {RETIRED_DIR}/{entry.name} på fællesmappen er ignoreret: {exc}.")
            continue
        retired.add(device)
    return retired


def device_info(io: ShareIO, key: OfficeKey | None, device: str) -> dict:
    """A device's device.json (its name, for people), authenticated; {} when missing or not to be trusted."""
    try:
        data = io.read(io.root / seg.DEVICES_DIR / device / DEVICE_INFO)
        info = json.loads(
            sealing.open_json(key, data, sealing.ROLE_DEVICE, f"{seg.DEVICES_DIR}/{device}/{DEVICE_INFO}")
        )
    except (OSError, ValueError):  # (SealError is a ValueError)
        return {}
    return info if isinstance(info, dict) else {}


def device_info_bytes(key: OfficeKey | None, device: str, name: str) -> bytes:
    content = (json.dumps({"device": device, "name": name}, ensure_ascii=False) + "\n").encode()
    return sealing.seal_json(key, sealing.ROLE_DEVICE, f"{seg.DEVICES_DIR}/{device}/{DEVICE_INFO}", content)


def find_device(io: ShareIO, wanted: str, key: OfficeKey | None) -> tuple[str, str]:
    """The device on the share whose name (device.json) or id (or the start of it) is ``wanted``:
    (id, name). Raises ShareIdentityError when none or several match."""
    found = []
    for entry in io.listdir(io.root / seg.DEVICES_DIR):
        if not entry.is_dir():
            continue
        name = str(device_info(io, key, entry.name).get("name") or "")
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
    check_share(db, io)  # (raises ShareIdentityError when it is not this laptop's share)
    if check_share_key(io, db.office_key).format > seg.FORMAT_VERSION:
        raise ShareIdentityError(_NEWER)
    device, name = find_device(io, wanted, db.office_key)
    if device == db.device_id:
        raise ShareIdentityError("En computer kan ikke tage sig selv ud af fællesmappen.")
    io.mkdir(io.root / RETIRED_DIR)
    content = (json.dumps({"device": device, "name": name, "retired_by": db.device_id}) + "\n").encode()
    body = sealing.seal_json(db.office_key, sealing.ROLE_RETIRED, f"{RETIRED_DIR}/{device}.json", content)
    try:
        io.publish(io.root / RETIRED_DIR, f"{device}.json", body)
    except PublishConflict:
        pass  # already retired
    return device, name
