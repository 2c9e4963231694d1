"""Is one kind of answer slower than another? A one-sided Mann-Whitney U test, exact.

Answer times on a shared machine are noisy and skewed (a scheduler pause adds 50 ms to
one sample, never takes it away), so the test compares ranks, not means: ``U`` counts
the pairs (slow sample, fast sample) where the first is the larger (ties count half),
and its p-value is the share of the C(n+m, n) equally likely rank orders with a ``U``
at least as large. With at most 15 samples a side the exact distribution is a small
table (counts of ``U`` values for n and m samples: ``N(n, m, u) = N(n-1, m, u-m) +
N(n, m-1, u)``), so no normal approximation and no scipy.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from math import ceil, comb
from statistics import median


def slower_p(slow: Sequence[float], fast: Sequence[float]) -> float:
    """The p-value of 'the ``slow`` samples are no slower than the ``fast`` ones'."""
    u = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in slow for b in fast)
    n, m = len(slow), len(fast)
    if n == 0 or m == 0:
        return 1.0
    # U with half-counted ties is conservative when rounded up to the next whole value.
    at_least = sum(_counts(n, m)[ceil(u) :])
    return at_least / comb(n + m, n)


def gap_ms(slow: Sequence[float], fast: Sequence[float]) -> float:
    """How much slower, in ms, the median ``slow`` sample is than the median ``fast`` one."""
    return median(slow) - median(fast) if slow and fast else 0.0


@cache
def _counts(n: int, m: int) -> tuple[int, ...]:
    """How many rank orders of n and m samples give each U from 0 to n*m."""
    if n == 0 or m == 0:
        return (1,)
    with_last_slow = _counts(n - 1, m)  # the largest sample is a slow one: it beats all m
    with_last_fast = _counts(n, m - 1)  # the largest is a fast one: it adds nothing
    table = [0] * (n * m + 1)
    for u, count in enumerate(with_last_slow):
        table[u + m] += count
    for u, count in enumerate(with_last_fast):
        table[u] += count
    return tuple(table)
