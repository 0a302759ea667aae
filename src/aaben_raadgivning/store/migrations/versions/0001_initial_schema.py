"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("hlc", sa.String(length=80), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_log_hlc"), ["hlc"], unique=False)
        batch_op.create_index("ix_change_log_row", ["table_name", "row_id"], unique=False)

    op.create_table(
        "local_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "offices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("housing_area", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("initials", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_initials"), ["initials"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=True),
        sa.Column("citizen_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_citizen_id"), ["citizen_id"], unique=False)

    op.create_table(
        "citizens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("cpr", sa.String(length=10), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("benefit_type", sa.String(length=40), nullable=True),
        sa.Column("readiness", sa.String(length=40), nullable=True),
        sa.Column("housing_area", sa.String(length=200), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=True),
        sa.Column("jobkonsulent_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["jobkonsulent_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["offices.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.create_index("ix_citizens_birth_date_name", ["birth_date", "name"], unique=False)
        batch_op.create_index(batch_op.f("ix_citizens_cpr"), ["cpr"], unique=False)
        batch_op.create_index(batch_op.f("ix_citizens_phone"), ["phone"], unique=False)

    op.create_table(
        "walk_ins",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=True),
        sa.Column("citizen_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(), nullable=False),
        sa.Column("registered_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
        ),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["offices.id"],
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("walk_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_walk_ins_arrived_at"), ["arrived_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_walk_ins_citizen_id"), ["citizen_id"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("citizen_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("corrects_id", sa.String(length=36), nullable=True),
        sa.Column("walk_in_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["events.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["walk_in_id"],
            ["walk_ins.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_citizen_occurred", ["citizen_id", "occurred_at"], unique=False)

    op.create_table(
        "follow_up_tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("citizen_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("assignee_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("walk_in_id", sa.String(length=36), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["walk_in_id"],
            ["walk_ins.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("follow_up_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_tasks_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_up_tasks_due_date"), ["due_date"], unique=False)

    op.create_table(
        "walk_in_transitions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("walk_in_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("citizen_id", sa.String(length=36), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["walk_in_id"],
            ["walk_ins.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("walk_in_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_walk_in_transitions_walk_in_id"), ["walk_in_id"], unique=False)

    # Local, derived search index (never synced): folded name/CPR/phone terms per citizen, so search is
    # case- and diacritics-insensitive and prefix-fast. rowid is derived from the citizen id.
    op.execute(
        "CREATE VIRTUAL TABLE citizen_search USING fts5("
        "citizen_id UNINDEXED, terms, tokenize='unicode61', prefix='2 3 4')"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS citizen_search")
    with op.batch_alter_table("walk_in_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_walk_in_transitions_walk_in_id"))

    op.drop_table("walk_in_transitions")
    with op.batch_alter_table("follow_up_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_tasks_due_date"))
        batch_op.drop_index(batch_op.f("ix_follow_up_tasks_citizen_id"))

    op.drop_table("follow_up_tasks")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_citizen_occurred")

    op.drop_table("events")
    with op.batch_alter_table("walk_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_walk_ins_citizen_id"))
        batch_op.drop_index(batch_op.f("ix_walk_ins_arrived_at"))

    op.drop_table("walk_ins")
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizens_phone"))
        batch_op.drop_index(batch_op.f("ix_citizens_cpr"))
        batch_op.drop_index("ix_citizens_birth_date_name")

    op.drop_table("citizens")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_citizen_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_initials"))

    op.drop_table("staff")
    op.drop_table("offices")
    op.drop_table("local_meta")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index("ix_change_log_row")
        batch_op.drop_index(batch_op.f("ix_change_log_hlc"))

    op.drop_table("change_log")
