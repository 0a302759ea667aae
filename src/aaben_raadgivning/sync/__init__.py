"""The sync, above the store: one round over the office share (engine), its bookkeeping of own and others'
segments, consolidated snapshots for new laptops, the share's identity, and ``device reset``.
The wire format (segments, state files) and the share's file I/O live here too; the change vocabulary the
store also needs (clock, Change, merge rules) lives below the store in ``changes``."""
