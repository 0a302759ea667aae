"""`python -m aaben_raadgivning` runs the same entry point as the console script."""

from aaben_raadgivning.cli import main

raise SystemExit(main())
