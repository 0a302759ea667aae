"""``device reset`` for a laptop that syncs through a server: the same relabelling as with the share
(sync/device.py), with the server's own entries under the old id as the evidence of what went out."""

from __future__ import annotations

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.sync.device import DeviceReset, DeviceResetError, relabel_own_changes
from aaben_raadgivning.sync.errors import SyncError
from aaben_raadgivning.sync.server.connection import connected, server_engine
from aaben_raadgivning.sync.server.schema import check_server


def reset_device_on_server(db: Database, url: str) -> DeviceReset:
    """Give this laptop a new device id; its changes that the server does not hold under the old id are
    sent under the new one at the next round. Nothing is written on the server."""
    try:
        with connected(server_engine(url)) as server:
            check_server(server, db.office_key)
            published = set(server.exec_driver_sql(
                "SELECT change_id FROM changes WHERE device_id = %s", (db.device_id,)
            ).scalars())  # fmt: skip
            server.rollback()
    except SyncError as exc:
        raise DeviceResetError(f"{exc} Intet er ændret.") from None
    old = db.device_id
    new, relabelled, mine, _applied = relabel_own_changes(db, published)
    return DeviceReset(old, new, relabelled, mine - relabelled, announced=False)
