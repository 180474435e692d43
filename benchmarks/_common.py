"""What every benchmark group shares: its result shape and the interleaved timer."""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Figure", "Group", "Sizes", "fmt_ms", "fmt_pct", "fmt_ratio", "fmt_us", "interleaved"]


@dataclass(frozen=True)
class Figure:
    """One row of a results table.

    Attributes:
        name: What is measured.
        ours: Our figure, formatted.
        reference: What it is compared with, formatted ("-" for none).
        ratio: Ours against the reference, formatted ("-" for none).
        goal: The goal, in words ("-" for none).
        met: Whether the goal is met (``None`` when there is no goal).
    """

    name: str
    ours: str
    reference: str = "-"
    ratio: str = "-"
    goal: str = "-"
    met: bool | None = None

    @property
    def verdict(self) -> str:
        """``met``, ``missed``, or ``-`` when there is no goal."""
        if self.met is None:
            return "-"
        return "met" if self.met else "missed"


@dataclass
class Group:
    """The result of one benchmark group.

    Attributes:
        key: The group's short name (as given to ``--only``).
        title: The group's heading.
        figures: The rows of its table.
        method: How the figures are measured (Markdown).
        findings: What explains a figure, above all one short of its goal (Markdown
            paragraphs, each from figures measured in the same run).
        raw: The unformatted measurements (for ``--json``).
    """

    key: str
    title: str
    figures: list[Figure] = field(default_factory=list[Figure])
    method: str = ""
    findings: list[str] = field(default_factory=list[str])
    raw: dict[str, Any] = field(default_factory=dict[str, Any])


@dataclass(frozen=True)
class Sizes:
    """How big a run is: the full one, or a smoke run with tiny sizes.

    Attributes:
        quick: Whether this is a smoke run.
        artifact_mib: The artifact size, in MiB.
    """

    quick: bool
    artifact_mib: int


def interleaved(
    contenders: dict[str, Callable[[], object]], *, rounds: int, number: int
) -> dict[str, float]:
    """Median seconds per call of each contender, over `rounds` interleaved rounds of `number` calls.

    Every contender is warmed up first (caches, generated code). Each round starts
    from a collected heap, so that one contender does not pay for another's garbage;
    inside a round the collector runs as usual (its cost is part of the figure).
    """
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():
        for _ in range(max(3, number // 10)):
            fn()
    for _ in range(rounds):
        for name, fn in contenders.items():
            gc.collect()
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(values) for name, values in samples.items()}


def fmt_us(seconds: float) -> str:
    """Seconds as microseconds (milliseconds from 1 ms on)."""
    if seconds >= 0.01:
        return fmt_ms(seconds)
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:,.0f} µs" if seconds >= 1e-4 else f"{seconds * 1e6:.1f} µs"


def fmt_ms(seconds: float) -> str:
    """Seconds as milliseconds."""
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds * 1e3:,.0f} ms"


def fmt_pct(ratio: float) -> str:
    """A ratio above 1 as a signed percentage (1.05 is ``+5%``)."""
    return f"{(ratio - 1) * 100:+.0f}%"


def fmt_ratio(ratio: float) -> str:
    """A ratio as ``1.23x``."""
    return f"{ratio:.2f}x"
