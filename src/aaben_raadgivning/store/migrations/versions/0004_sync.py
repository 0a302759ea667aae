"""sync over the office share: outbox, field bases, peers, own segments, conflicts, unknown changes, purges

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# This device's own change-log entries go to the outbox in commit order (AUTOINCREMENT never reuses a
# number and is assigned under the write lock, so export order = commit order, unlike HLC order across
# threads). For an update/delete the trigger also records the field version it overwrote ("base").
OWN = "NEW.device_id = (SELECT value FROM local_meta WHERE key = 'device_id')"
TRIGGERS = (
    f"""CREATE TRIGGER sync_outbox_after_change AFTER INSERT ON change_log WHEN {OWN}
    BEGIN INSERT INTO sync_outbox (change_id) VALUES (NEW.id); END""",
    f"""CREATE TRIGGER sync_base_after_change AFTER INSERT ON change_log
    WHEN NEW.op IN ('update', 'delete') AND {OWN}
    BEGIN INSERT OR IGNORE INTO sync_bases (change_id, base) VALUES (NEW.id, (
        SELECT max(p.hlc) FROM change_log AS p WHERE p.table_name = NEW.table_name AND p.row_id = NEW.row_id
        AND p.id != NEW.id AND (p.field = NEW.field OR p.op = 'insert'))); END""",
)


def upgrade() -> None:
    op.create_table(
        "conflict_resolutions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("change_id", sa.String(length=36), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["resolved_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_conflict_resolutions_change_id", "conflict_resolutions", ["change_id"])
    op.create_index("ix_conflict_resolutions_row", "conflict_resolutions", ["table_name", "row_id"])
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.String(length=36), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("change_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sync_outbox_segment", "sync_outbox", ["segment"])
    op.create_table(
        "sync_bases",
        sa.Column("change_id", sa.String(length=36), nullable=False),
        sa.Column("base", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("change_id"),
    )
    op.create_table(
        "sync_peers",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("applied_seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("last_hlc", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("device_id"),
    )
    op.create_table(
        "sync_own_segments",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mtime_ns", sa.Integer(), nullable=False),
        sa.Column("header", sa.Text(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "sync_conflicts",
        sa.Column("loser_id", sa.String(length=36), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("loser_value", sa.Text(), nullable=True),
        sa.Column("loser_hlc", sa.String(length=80), nullable=False),
        sa.Column("loser_device", sa.String(length=36), nullable=False),
        sa.Column("winner_id", sa.String(length=36), nullable=False),
        sa.Column("winner_value", sa.Text(), nullable=True),
        sa.Column("winner_hlc", sa.String(length=80), nullable=False),
        sa.Column("winner_device", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("loser_id"),
    )
    op.create_index("ix_sync_conflicts_row", "sync_conflicts", ["table_name", "row_id"])
    op.create_table(
        "sync_unknown",
        sa.Column("change_id", sa.String(length=36), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("change_id"),
    )
    op.create_index("ix_sync_unknown_table_name", "sync_unknown", ["table_name"])
    op.create_table(
        "sync_purged",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id"),
    )
    # Everything logged before this version was made here and has never been sent.
    op.execute("INSERT INTO sync_outbox (change_id) SELECT id FROM change_log ORDER BY hlc")
    op.execute(
        "INSERT INTO sync_bases (change_id, base) SELECT c.id, (SELECT max(p.hlc) FROM change_log AS p "
        "WHERE p.table_name = c.table_name AND p.row_id = c.row_id AND p.hlc < c.hlc "
        "AND (p.field = c.field OR p.op = 'insert')) FROM change_log AS c WHERE c.op IN ('update', 'delete')"
    )
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS sync_base_after_change")
    op.execute("DROP TRIGGER IF EXISTS sync_outbox_after_change")
    for table in (
        "sync_purged",
        "sync_unknown",
        "sync_conflicts",
        "sync_own_segments",
        "sync_peers",
        "sync_bases",
        "sync_outbox",
        "conflict_resolutions",
    ):
        op.drop_table(table)
