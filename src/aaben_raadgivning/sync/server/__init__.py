"""Sync through a PostgreSQL server: the second transport beside the office share (sync/engine.py).

Laptops stay offline-first: each round pushes the change-log entries the server lacks (idempotent by
entry id) and pulls the others' entries by the server's sequence number; the merge, the conflicts (F9) and
the audit are the very same code as with the share (store/replica.py). See docs/server-sync.md."""
