"""Scaling benchmark: import time per event at 1,000 and at 10,000 events."""

from .calendar import generate
from .setup import empty_database
from .timing import median_time


def run(runs: int = 3) -> list[tuple[str, str, str, str]]:
    from seminars.importing import ImportOptions, import_data

    per_event = {}
    for size in (1_000, 10_000):
        data = generate(size, seed=3)

        def once(data=data, size=size):
            import_data(data, f"bench-scaling:{size}", ImportOptions(series="Bench"))

        per_event[size] = median_time(once, runs=runs, before=empty_database) / size
    small, large = per_event[1_000], per_event[10_000]
    return [
        (
            "import per event: 1,000 → 10,000 events",
            f"{small * 1e6:.0f} → {large * 1e6:.0f} µs",
            f"{large / small:.2f}x",
            "≈ 1x (no growth)",
        )
    ]
