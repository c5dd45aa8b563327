"""Coverage-guided fuzzing of one target with atheris (libFuzzer underneath).

    .venv/bin/python fuzz/run.py feed -runs=100000 -timeout=1 -max_len=65536

Arguments after the target go to libFuzzer: -runs (inputs to try), -timeout (seconds one input
may take: past it is a failure), -max_len. A failure stops the run with the input saved as
crash-* or timeout-* in the working directory.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["storywire"]):
    from targets import TARGETS


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: run.py {{{','.join(TARGETS)}}} [libFuzzer flags]")
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
