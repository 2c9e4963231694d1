"""How long the ``apiward`` command takes to answer ``--version`` and ``--help``.

Run: ``.venv/bin/python benchmarks/startup.py [RUNS]`` (default 10). Each command runs in
a fresh interpreter; the figure is the best of RUNS wall-clock times (the least disturbed
by other work on the machine). Baseline, measured in the same run: ``python -c pass``,
the interpreter's own start-up, which every command pays. The target for ``--version`` is
under 0.3 s.
"""

from __future__ import annotations

import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "apiward --version": ["-m", "apiward", "--version"],
    "apiward --help": ["-m", "apiward", "--help"],
    "apiward spec --help": ["-m", "apiward", "spec", "--help"],
    "apiward audit --help": ["-m", "apiward", "audit", "--help"],
}


def best(arguments: list[str], runs: int) -> float:
    """The shortest wall-clock time of ``runs`` fresh interpreters running ``arguments``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, *arguments], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    """Print each command's best time and its ratio to the bare interpreter."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    baseline = best(COMMANDS["python -c pass"], runs)
    for name, arguments in COMMANDS.items():
        took = best(arguments, runs) if name != "python -c pass" else baseline
        print(f"{name:<20} {took * 1000:7.1f} ms  ({took / baseline:5.1f}x python -c pass)")


if __name__ == "__main__":
    main()
