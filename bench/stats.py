"""Summaries of repeated measurements: median with min and max, and percentiles."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """Median, min and max of ``n`` samples."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, samples: Sequence[float], scale: float = 1.0) -> Summary:
        """Summarise ``samples`` (multiplied by ``scale``, e.g. 1000 for seconds -> ms)."""
        if not samples:
            raise ValueError("no samples")
        values = [s * scale for s in samples]
        return cls(statistics.median(values), min(values), max(values), len(values))


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between closest ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def window_rates(completions: Sequence[float], start: float, size: int) -> list[float]:
    """Throughput (per second) of consecutive windows of ``size`` completions.

    ``completions`` are completion times of one continuous load run that started at ``start``;
    window ``k`` runs from the last completion of window ``k-1`` (or ``start``) to its own last
    completion, so the windows measure the steady rate without a drain gap between them.
    """
    ordered = sorted(completions)
    rates = []
    previous = start
    for end in range(size, len(ordered) + 1, size):
        last = ordered[end - 1]
        if last > previous:
            rates.append(size / (last - previous))
        previous = last
    return rates
