"""Client-generated record ids.

Every syncable row gets a UUIDv7 made on the device that created it, so laptops that are offline
never need a central counter, and ids sort roughly by creation time.
"""

from uuid6 import uuid7


def new_id() -> str:
    return str(uuid7())
