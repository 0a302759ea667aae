"""sync through a PostgreSQL server: the relay log of change-log entries still to push there

A laptop that syncs through a server must send it every entry the server lacks: its own, and those it
received through the office share (a laptop in both carries one office's changes to the other). The
outbox holds only its own, so ``sync_relay`` lists every entry logged here in commit order (AUTOINCREMENT
never reuses a number, unlike the change log's rowid, which VACUUM may renumber). The trigger records
only while ``local_meta.server_relay`` is '1': a laptop that never syncs through a server pays nothing
but the check, and the round that pulls from the server sets it to '0' inside its own transaction (entries
that came from the server need not go back). Local bookkeeping: never synced, never in a snapshot.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TRIGGER = """CREATE TRIGGER sync_relay_change AFTER INSERT ON change_log
    WHEN (SELECT value FROM local_meta WHERE key = 'server_relay') = '1'
    BEGIN INSERT INTO sync_relay (change_id) VALUES (NEW.id); END"""


def upgrade() -> None:
    op.create_table(
        "sync_relay",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sqlite_autoincrement=True,
    )
    op.execute(TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS sync_relay_change")
    op.drop_table("sync_relay")
