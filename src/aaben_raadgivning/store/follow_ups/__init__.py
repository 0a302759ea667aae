"""The follow-up engine's persistence: facts gathered for the rules, recomputation after a save, the daily sweep."""
