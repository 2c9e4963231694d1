"""How fast the Redactor reads evidence bodies, against a plain scan of the same text.

Run: ``.venv/bin/python benchmarks/redaction.py``. Bodies in evidence are capped at
64 KB; hostile shapes (one long word, a long base64 run, many pairs) must stay linear.
The baseline is ``str.count`` over the same text: one pass, no regular expressions.
"""

from __future__ import annotations

import time

from apiward.core.redact import Redactor

SHAPES = {
    "one long word": "a" * 64_000,
    "json string": '{"x":"' + "a" * 64_000 + '"}',
    "base64 run": "ey" + "A" * 64_000,
    "query pairs": "name=value&" * 6_000,
    "json with secrets": '{"password": "hunter2", "token": "abc"} ' * 1_500,
}


def _per_mb(action: object, text: str, repeat: int = 20) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        action(text)  # type: ignore[operator]
    return (time.perf_counter() - started) / repeat / (len(text) / 2**20)


def main() -> None:
    """Print milliseconds per MB for each shape, and the ratio to a one-pass baseline."""
    redactor = Redactor(["alice-wonderland-2026"])
    for name, text in SHAPES.items():
        redact = _per_mb(redactor.text, text)
        baseline = _per_mb(lambda t: t.count("="), text)
        print(f"{name:<18} {redact * 1000:8.2f} ms/MB  ({redact / baseline:6.1f}x one pass)")


if __name__ == "__main__":
    main()
