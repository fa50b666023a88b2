"""Timing helpers: the median of several runs after a warm-up."""

import statistics
import time


def median_time(function, *, runs: int = 5, warmup: int = 1, before=None) -> float:
    """Median wall time of `function()` in seconds; `before()` runs untimed before each call."""
    times = []
    for i in range(warmup + runs):
        if before:
            before()
        started = time.perf_counter()
        function()
        elapsed = time.perf_counter() - started
        if i >= warmup:
            times.append(elapsed)
    return statistics.median(times)
