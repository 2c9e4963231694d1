"""How fast apiward.spec loads the real-world corpus: per spec, slowest ten, totals.

Run: ``.venv/bin/python benchmarks/spec_load.py``. Remote ``$ref``s are not followed
(the benchmark stays offline); a spec that fails to load is timed as well.

Baseline, measured in the same run: parsing the same single-file specs with PyYAML's
C loader (or ``json``) and nothing else, so the ratio shows what building the model
costs on top of reading the text (which no loader can avoid).
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import time
from pathlib import Path

import yaml

from apiward.core.errors import SpecError
from apiward.spec import load

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("APIWARD_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "data" / "openapi-corpus"


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _parse_only(path: Path) -> float | None:
    """Seconds to parse a single-file spec with a plain parser, or None if it cannot."""
    text = path.read_text(encoding="utf-8", errors="replace")
    started = time.perf_counter()
    try:
        if path.suffix == ".json":
            json.loads(text)
        else:
            yaml.load(text, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, ValueError):
        return None
    return time.perf_counter() - started


def main() -> None:
    """Load every corpus spec once and print the figures."""
    with (CORPUS / "MANIFEST.tsv").open(newline="", encoding="utf-8") as handle:
        files = [row["file"].rstrip("/") for row in csv.DictReader(handle, delimiter="\t")]
    results: list[tuple[float, int, str, str]] = []
    for name in files:
        path = CORPUS / name
        started = time.perf_counter()
        try:
            outcome = f"{len(load(path, remote_refs=False).operations)} ops"
        except SpecError:
            outcome = "error"
        seconds = time.perf_counter() - started
        results.append((seconds, _size(path), name, outcome))
        print(f"{seconds:8.3f} s  {_size(path) / 2**20:7.2f} MB  {outcome:>9}  {name}")
    print()
    print("slowest ten:")
    for seconds, size, name, _ in sorted(results, reverse=True)[:10]:
        print(f"{seconds:8.3f} s  {size / 2**20 / seconds:7.2f} MB/s  {name}")
    total = sum(r[0] for r in results)
    megabytes = sum(r[1] for r in results) / 2**20
    slowest = max(results)
    per_mb = statistics.median(r[0] / (r[1] / 2**20) for r in results if r[1])
    load_time = parse_time = 0.0
    for seconds, _, name, outcome in results:
        path = CORPUS / name
        parsed = None if path.is_dir() or outcome == "error" else _parse_only(path)
        if parsed is not None:
            load_time, parse_time = load_time + seconds, parse_time + parsed
    print()
    print(f"specs: {len(results)}")
    print(f"total: {total:.2f} s for {megabytes:.1f} MB ({megabytes / total:.2f} MB/s)")
    print(f"slowest: {slowest[0]:.3f} s ({slowest[2]})")
    print(f"median load time per MB: {per_mb:.3f} s/MB")
    print(
        f"baseline (plain YAML/JSON parse of the same single-file specs): {parse_time:.2f} s; "
        f"full load is {load_time / parse_time:.2f}x the parse alone"
    )


if __name__ == "__main__":
    main()
