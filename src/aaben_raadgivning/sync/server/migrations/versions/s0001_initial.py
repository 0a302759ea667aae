"""the sync server: change log, devices, snapshots for new laptops, and the report copy's bookkeeping

- ``changes``: every change-log entry any laptop has pushed, once (``change_id`` unique: a push is
  idempotent), numbered by ``seq`` in commit order (pushes are serialised by an advisory lock, so a reader
  never sees a later number before an earlier one). ``value`` is sealed under the office key
  (AES-256-GCM, the entry's identity as associated data); the rest are ids, stamps and names of tables and
  fields, never personal data.
- ``devices``: the laptops that sync here, how far each has pulled (for the administrator), and the
  highest own outbox number each has pushed (a cloned disk is refused).
- ``snapshots`` / ``snapshot_chunks``: consolidated SQLCipher copies for new laptops, in 8 MiB chunks.
- ``server_info``: the server's id, format and the office key's public fingerprint.

Revision ID: s0001
Revises:
Create Date: 2026-12-07
"""

from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None

STATEMENTS = (
    """CREATE TABLE server_info (key text PRIMARY KEY, value text NOT NULL)""",
    """CREATE TABLE changes (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        change_id text NOT NULL UNIQUE,
        device_id text NOT NULL,
        origin_seq bigint,
        hlc text NOT NULL,
        table_name text NOT NULL,
        row_id text NOT NULL,
        op text NOT NULL,
        field text,
        value bytea,
        base text,
        staff_id text,
        pushed_by text NOT NULL,
        pushed_at timestamptz NOT NULL DEFAULT now()
    )""",
    "CREATE INDEX ix_changes_device_origin ON changes (device_id, origin_seq) WHERE origin_seq IS NOT NULL",
    "CREATE INDEX ix_changes_row ON changes (table_name, row_id)",
    """CREATE TABLE devices (
        device_id text PRIMARY KEY,
        name text NOT NULL DEFAULT '',
        first_seen timestamptz NOT NULL DEFAULT now(),
        last_seen timestamptz NOT NULL DEFAULT now(),
        pulled_seq bigint NOT NULL DEFAULT 0,
        pushed_own_seq bigint NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE snapshots (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        device_id text NOT NULL,
        covers_seq bigint NOT NULL,
        schema_revision text NOT NULL,
        sha256 text NOT NULL,
        size bigint NOT NULL,
        complete boolean NOT NULL DEFAULT false
    )""",
    """CREATE TABLE snapshot_chunks (
        snapshot_id bigint NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
        n integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (snapshot_id, n)
    )""",
)


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in ("snapshot_chunks", "snapshots", "devices", "changes", "server_info"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
