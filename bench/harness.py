"""What every benchmark script does the same way: find the shared evaluation data, refuse clearly
when it is missing, and write its results. Scripts run as `python bench/<name>.py`, so this module
is importable as `harness`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def data_missing(paths: list[Path], expected: str = "") -> bool:
    """True, after saying on stderr what is missing, when any of `paths` does not exist."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        print(
            f"benchmark data not found: {', '.join(missing)}\n"
            f"expected {expected or 'the shared evaluation data'} at {DATA} "
            "(see shared/data/README.md)",
            file=sys.stderr,
        )
    return bool(missing)


def save_results(path: Path, report: dict[str, Any]) -> None:
    """The report as JSON under bench/results (git-ignored), and where it went."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"results: {path}")
