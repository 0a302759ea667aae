"""Persistence: SQLAlchemy models, the engine, migrations, the write actions and the read queries."""
