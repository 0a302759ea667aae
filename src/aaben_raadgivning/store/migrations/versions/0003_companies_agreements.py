"""companies, contact persons, agreements (versions), monthly hours; follow-up task keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cvr", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), server_default="", nullable=False),
        sa.Column("industry", sa.String(length=200), server_default="", nullable=False),
        sa.Column("suitable_tasks", sa.Text(), server_default="", nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_companies_cvr", "companies", ["cvr"])
    op.create_index("ix_companies_name", "companies", ["name"])
    op.create_table(
        "company_contacts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), server_default="", nullable=False),
        sa.Column("phone", sa.String(length=32), server_default="", nullable=False),
        sa.Column("email", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_company_contacts_company_id", "company_contacts", ["company_id"])
    op.create_table(
        "agreements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("citizen_id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("previous_id", sa.String(length=36), nullable=True),
        sa.Column("course_kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="udkast", nullable=False),
        sa.Column("status_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("status_changed_at", sa.DateTime(), nullable=True),
        sa.Column("tasks", sa.Text(), server_default="", nullable=False),
        sa.Column("schedule", sa.Text(), server_default="{}", nullable=False),
        sa.Column("health_notes", sa.Text(), server_default="", nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("jobformidler_id", sa.String(length=36), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("praktik_assessment", sa.Text(), server_default="", nullable=False),
        sa.Column("follow_up_plan", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"]),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.ForeignKeyConstraint(["previous_id"], ["agreements.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["company_contacts.id"]),
        sa.ForeignKeyConstraint(["jobformidler_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_agreements_citizen_id", "agreements", ["citizen_id"])
    op.create_index("ix_agreements_previous_id", "agreements", ["previous_id"])
    op.create_index("ix_agreements_company_status", "agreements", ["company_id", "status"])
    op.create_table(
        "hours_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("citizen_id", sa.String(length=36), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("ordinary_minutes", sa.Integer(), nullable=False),
        sa.Column("praktik_minutes", sa.Integer(), nullable=False),
        sa.Column("loentilskud_minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=True),
        sa.Column("corrects_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreements.id"]),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["corrects_id"], ["hours_reports.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hours_reports_agreement_id", "hours_reports", ["agreement_id"])
    op.create_index("ix_hours_reports_citizen_month", "hours_reports", ["citizen_id", "month"])
    # Plain ADD COLUMN (no table rebuild); SQLite accepts REFERENCES there when the default is NULL.
    op.execute("ALTER TABLE sub_goals ADD COLUMN agreement_id VARCHAR(36) REFERENCES agreements (id)")
    op.create_index("ix_sub_goals_agreement_id", "sub_goals", ["agreement_id"])
    op.add_column("follow_up_tasks", sa.Column("rule_key", sa.String(length=120), nullable=True))
    op.execute("ALTER TABLE follow_up_tasks ADD COLUMN agreement_id VARCHAR(36) REFERENCES agreements (id)")
    op.add_column("follow_up_tasks", sa.Column("note", sa.Text(), server_default="", nullable=False))
    op.execute("ALTER TABLE follow_up_tasks ADD COLUMN completed_by VARCHAR(36) REFERENCES staff (id)")
    op.add_column("follow_up_tasks", sa.Column("completed_event_id", sa.String(length=36), nullable=True))
    op.create_index("ix_follow_up_tasks_agreement_id", "follow_up_tasks", ["agreement_id"])
    op.create_index("ix_follow_up_tasks_citizen_rule_key", "follow_up_tasks", ["citizen_id", "rule_key"])
    op.create_index("ix_follow_up_tasks_status_due", "follow_up_tasks", ["status", "due_date"])
    op.create_index("ix_follow_up_tasks_assignee_status_due", "follow_up_tasks", ["assignee_id", "status", "due_date"])


def downgrade() -> None:
    for name in (
        "ix_follow_up_tasks_assignee_status_due",
        "ix_follow_up_tasks_status_due",
        "ix_follow_up_tasks_citizen_rule_key",
        "ix_follow_up_tasks_agreement_id",
    ):
        op.drop_index(name, table_name="follow_up_tasks")
    with op.batch_alter_table("follow_up_tasks") as batch_op:
        for column in ("completed_event_id", "completed_by", "note", "agreement_id", "rule_key"):
            batch_op.drop_column(column)
    op.drop_index("ix_sub_goals_agreement_id", table_name="sub_goals")
    with op.batch_alter_table("sub_goals") as batch_op:
        batch_op.drop_column("agreement_id")
    op.drop_table("hours_reports")
    op.drop_table("agreements")
    op.drop_table("company_contacts")
    op.drop_table("companies")
