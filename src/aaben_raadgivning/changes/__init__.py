"""The change vocabulary, the bottom layer: the hybrid logical clock, a Change, the merge rules (pure)."""
