"""Copy the README's screenshots from the snapshot tests' SVGs (the app's own rendering of each screen with
the fictional test data). Run after ``pytest --snapshot-update``; tests/test_assets.py fails until you do.

    python assets/update_screenshots.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tests" / "ui" / "__snapshots__"
TARGET = ROOT / "assets" / "screenshots"

# README name -> the snapshot it shows
SCREENSHOTS = {
    "counter.svg": "test_counter_snapshots/test_counter_screen.svg",
    "citizen.svg": "test_citizen_snapshots/test_citizen_screen.svg",
    "agreement.svg": "test_agreements_snapshots/test_agreement_editor.svg",
    "follow_up_queue.svg": "test_follow_up_screen/test_queue_snapshot.svg",
    "hours.svg": "test_hours_snapshots/test_agreements_and_hours_overview.svg",
    "sync_conflicts.svg": "test_sync_snapshots/test_sync_screen_with_conflicts.svg",
    "results.svg": "test_results_snapshots/test_results_screen.svg",
    "caseload.svg": "test_caseload_snapshots/test_caseload_screen.svg",
}


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, source in SCREENSHOTS.items():
        shutil.copyfile(SNAPSHOTS / source, TARGET / name)
        print(f"{TARGET / name} ← {source}")


if __name__ == "__main__":
    main()
