"""who made each change: change_log.staff_id (shown on the sync conflicts screen); one outbox trigger

The two triggers of 0004 each evaluated their device-id subquery for every change-log row, also for
the thousands a sync applies from other devices; one trigger with one condition does the same work.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


OWN = "NEW.device_id = (SELECT value FROM local_meta WHERE key = 'device_id')"
TRIGGER = f"""CREATE TRIGGER sync_own_change AFTER INSERT ON change_log WHEN {OWN}
    BEGIN
        INSERT INTO sync_outbox (change_id) VALUES (NEW.id);
        INSERT OR IGNORE INTO sync_bases (change_id, base) SELECT NEW.id, (
            SELECT max(p.hlc) FROM change_log AS p WHERE p.table_name = NEW.table_name AND p.row_id = NEW.row_id
            AND p.id != NEW.id AND (p.field = NEW.field OR p.op = 'insert'))
        WHERE NEW.op IN ('update', 'delete');
    END"""


def upgrade() -> None:
    # Earlier entries stay NULL ("ukendt"): the person is not recorded anywhere for them.
    op.add_column("change_log", sa.Column("staff_id", sa.String(length=36), nullable=True))
    op.execute("DROP TRIGGER IF EXISTS sync_base_after_change")
    op.execute("DROP TRIGGER IF EXISTS sync_outbox_after_change")
    op.execute(TRIGGER)


def downgrade() -> None:
    from importlib import import_module

    op.execute("DROP TRIGGER IF EXISTS sync_own_change")
    for trigger in import_module("aaben_raadgivning.store.migrations.versions.0004_sync").TRIGGERS:
        op.execute(trigger)
    with op.batch_alter_table("change_log") as batch:
        batch.drop_column("staff_id")
