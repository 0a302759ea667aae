"""Shared test support: scenarios, fixed clocks and Pilot helpers, imported as ``support.<module>``
(``tests/`` is on the path through ``pythonpath`` in pyproject.toml). Fixtures stay in conftest.py."""
