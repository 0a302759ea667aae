"""revisionsspor: a hash chain per device over the audit log, and indexes for the audit screen

Rows written before this revision keep NULL in the chain columns ("from before the chain").

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_audit_log_device_chain", ["device_id", "chain_seq"]),
    ("ix_audit_log_at_id", ["at", "id"]),
    ("ix_audit_log_staff_at", ["staff_id", "at", "id"]),
    ("ix_audit_log_citizen_at", ["citizen_id", "at", "id"]),
    ("ix_audit_log_action_at", ["action", "at", "id"]),
    ("ix_audit_log_staff_action_at", ["staff_id", "action", "at", "id"]),
)


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("chain_seq", sa.Integer(), nullable=True))
    op.add_column("audit_log", sa.Column("chain_prev", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("chain_hash", sa.String(length=64), nullable=True))
    for name, columns in INDEXES:
        op.create_index(name, "audit_log", columns)


def downgrade() -> None:
    for name, _ in reversed(INDEXES):
        op.drop_index(name, table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_column("chain_hash")
        batch_op.drop_column("chain_prev")
        batch_op.drop_column("chain_seq")
