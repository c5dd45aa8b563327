"""`make fuzz`: every target (or the TARGETs named) for RUNS inputs each (100,000 unless
given), from seeds built at run time, with libFuzzer's per-input time limit at one second.
Exits non-zero on the first failure, whose input libFuzzer saved in fuzz/artifacts/.

    .venv/bin/python fuzz/all.py [RUNS [TARGET...]]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from seeds import write_seeds
from targets import TARGETS

HERE = Path(__file__).resolve().parent


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    names = sys.argv[2:] or list(TARGETS)
    artifacts = HERE / "artifacts"
    artifacts.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as root:
        seeds = write_seeds(Path(root))
        for name in names:
            corpus = seeds.get(name, Path(root) / name)
            corpus.mkdir(exist_ok=True)
            started = time.monotonic()
            command = [
                sys.executable,
                str(HERE / "run.py"),
                name,
                str(corpus),
                f"-runs={runs}",
                "-timeout=1",
                "-max_len=16384",
                f"-artifact_prefix={artifacts}/{name}-",
                "-print_final_stats=1",
            ]
            done = subprocess.run(command, capture_output=True, text=True)
            stats = [line for line in done.stderr.splitlines() if line.startswith("stat::")]
            seconds = time.monotonic() - started
            print(
                f"{name}: {runs} inputs in {seconds:.0f} s, exit {done.returncode}; "
                + " ".join(
                    line.split("stat::", 1)[1].replace(":", "=").replace(" ", "")
                    for line in stats
                    if "number_of_executed_units" in line or "peak_rss_mb" in line
                ),
                flush=True,
            )
            if done.returncode != 0:
                print(done.stderr[-4000:], file=sys.stderr)
                sys.exit(done.returncode)


if __name__ == "__main__":
    main()
