"""stamdata and udfald: the citizen's address, benefit since, match group, language and interpreter; exit outcomes

Citizens get five columns (NULL/empty/false on rows written before, so nothing has to be filled in), and
indexes for «Mine borgere» (a staff member's caseload) and the results (a month's events by kind). Exit
outcomes are a new append-only, synced table ``citizen_outcomes``. Both sync through the generic change log
(store/replica.py materialises any synced table from the models), so no trigger changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CITIZEN_COLUMNS = ("address", "benefit_since", "match_group", "language", "interpreter_needed")


def upgrade() -> None:
    op.add_column("citizens", sa.Column("address", sa.Text(), server_default="", nullable=False))
    op.add_column("citizens", sa.Column("benefit_since", sa.Date(), nullable=True))
    op.add_column("citizens", sa.Column("match_group", sa.String(length=40), nullable=True))
    op.add_column("citizens", sa.Column("language", sa.String(length=40), nullable=True))
    op.add_column("citizens", sa.Column("interpreter_needed", sa.Boolean(), server_default="0", nullable=False))
    op.create_table(
        "citizen_outcomes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("citizen_id", sa.String(length=36), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("outcome_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("corrects_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["corrects_id"], ["citizen_outcomes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_citizen_outcomes_citizen_id", "citizen_outcomes", ["citizen_id"])
    op.create_index("ix_citizen_outcomes_outcome_date", "citizen_outcomes", ["outcome_date"])
    op.create_index("ix_citizen_outcomes_corrects_id", "citizen_outcomes", ["corrects_id"])
    # «Mine borgere» (F8): a staff member's caseload without scanning every citizen.
    op.create_index("ix_citizens_jobkonsulent_id", "citizens", ["jobkonsulent_id"])
    op.create_index("ix_citizens_jobformidler_id", "citizens", ["jobformidler_id"])
    # Results (F6): a month's events of some kinds, with who and for whom, read from the index alone. The time
    # first: led by the kind, it was chosen over ix_events_citizen_occurred for a few citizens' events of some kinds.
    op.create_index("ix_events_occurred_kind", "events", ["occurred_at", "kind", "citizen_id", "staff_id"])


def downgrade() -> None:
    op.drop_index("ix_events_occurred_kind", table_name="events")
    op.drop_index("ix_citizens_jobformidler_id", table_name="citizens")
    op.drop_index("ix_citizens_jobkonsulent_id", table_name="citizens")
    op.drop_index("ix_citizen_outcomes_corrects_id", table_name="citizen_outcomes")
    op.drop_index("ix_citizen_outcomes_outcome_date", table_name="citizen_outcomes")
    op.drop_index("ix_citizen_outcomes_citizen_id", table_name="citizen_outcomes")
    op.drop_table("citizen_outcomes")
    with op.batch_alter_table("citizens") as batch_op:
        for column in reversed(CITIZEN_COLUMNS):
            batch_op.drop_column(column)
