"""agreements: whether and when ordinary hours are expected; the praktik's purpose and agreed expectations

Seed 000 KE 7: an agreement with hours but no ordinary hours says whether ordinary hours are expected
(``ordinary_expected``, NULL when not asked) and from when (``ordinary_expected_from``, a date; a month is
stored as its first day). Seed 002: an agreement with praktik hours names the praktik's purpose
(``praktik_purpose``, a reference.toml ``[[praktik_purposes]]`` code) and the expectations agreed with the
company (``praktik_expectations``). Rows written before are NULL/empty; they are asked for the next time the
agreement is saved. Agreements sync field by field through the generic change log (store/replica.py
materialises from the models), so no trigger changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ("ordinary_expected", "ordinary_expected_from", "praktik_purpose", "praktik_expectations")


def upgrade() -> None:
    op.add_column("agreements", sa.Column("ordinary_expected", sa.Boolean(), nullable=True))
    op.add_column("agreements", sa.Column("ordinary_expected_from", sa.Date(), nullable=True))
    op.add_column("agreements", sa.Column("praktik_purpose", sa.String(length=40), nullable=True))
    op.add_column("agreements", sa.Column("praktik_expectations", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("agreements") as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
