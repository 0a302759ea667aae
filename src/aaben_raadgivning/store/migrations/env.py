"""Alembic environment: always run with a connection handed in by store.migrate (never from a URL)."""

from alembic import context

from aaben_raadgivning.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables safely
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
