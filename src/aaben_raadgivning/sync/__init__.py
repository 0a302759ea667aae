"""Sync primitives: the hybrid logical clock and the change-log vocabulary. Knows rows, not screens."""
