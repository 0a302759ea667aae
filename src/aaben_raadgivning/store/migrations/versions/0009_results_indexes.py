"""results indexes: a month's events by kind, and the citizens' step facts, each read from an index alone

- ``ix_events_kind_occurred`` on ``(kind || ''), occurred_at, citizen_id, staff_id`` and whether a jobformidler
  event changes an existing jobformidler (``instr(data, '"change": true') > 0``): the results (F6) read the counted
  kinds of a month (or of 12) from the index alone, without stepping over every other event of the period as the
  time-led ``ix_events_occurred_kind`` must. Led by an *expression* of the kind so that only a query written with
  the same expression can use it: led by the plain kind, SQLite took it for a few citizens' events of some kinds
  (the F5 queue's last contact) over ``ix_events_citizen_occurred``, 8× slower.
- ``ix_events_step_facts`` (partial: the step-change events): a citizen's step changes with their facts out of
  the JSON as indexed expressions, so those rows are never read. ``json_valid`` first: a damaged ``data`` must
  never make an insert fail. SQLite counts a column as covered only where the partial index's WHERE is written on
  an indexed expression, hence ``kind || ''`` there too. The texts are frozen here (a migration never imports the
  models).
- ``ix_citizens_results``: the columns the results read of every citizen (step, model, since, project start,
  office, the filters' columns, …) and the id, so a scan of 100 000 citizens reads a small index instead of the wide table.

Indexes only: nothing to sync, nothing to fill in.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Led by an expression only the results write ("(deleted_at IS NULL) = 1"): led by deleted_at, SQLite took this
# index for «deleted_at IS NULL» in queries it does not cover (the search, the duplicate check) and read every row.
CITIZEN_COLUMNS = [
    sa.text("(deleted_at IS NULL)"), "project_start", "step_since", "step_model", "step_model_version", "step", "route",
    "self_supporting", "housing_area", "jobformidler_id", "jobkonsulent_id", "office_id", "id",
]  # fmt: skip


def _fact(name: str) -> sa.TextClause:
    return sa.text(f"CASE WHEN json_valid(data) THEN json_extract(data, '$.{name}') END")


def upgrade() -> None:
    op.create_index(
        "ix_events_kind_occurred",
        "events",
        [
            sa.text("kind || ''"),
            "occurred_at",
            "citizen_id",
            "staff_id",
            sa.text("instr(data, '\"change\": true') > 0"),
        ],
    )
    op.create_index(
        "ix_events_step_facts",
        "events",
        [
            sa.text("kind || ''"),
            "citizen_id",
            "occurred_at",
            "id",
            *(_fact(name) for name in ("to", "route", "model", "version")),
        ],
        sqlite_where=sa.text("kind || '' IN ('visitation', 'trin', 'rehab')"),
    )
    op.create_index("ix_citizens_results", "citizens", CITIZEN_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_citizens_results", table_name="citizens")
    op.drop_index("ix_events_step_facts", table_name="events")
    op.drop_index("ix_events_kind_occurred", table_name="events")
