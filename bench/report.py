"""Timing, the machine's description and the markdown tables the benchmark prints."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    """One line of a case's table; `ok` is None for rows that only inform."""

    case: str
    median: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    ok: bool | None = None

    @property
    def verdict(self) -> str:
        return "" if self.ok is None else "PASS" if self.ok else "FAIL"


def timed(function: Callable[[], object]) -> tuple[float, object]:
    """Seconds taken by one call, and its result."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def medians(functions: dict[str, Callable[[], object]], repeats: int, warmup: int = 1) -> dict[str, float]:
    """Median seconds of each function, run in turns (a, b, c, a, b, c …) so that drift hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for round_ in range(warmup + repeats):
        for name, function in functions.items():
            seconds, _ = timed(function)
            if round_ >= warmup:
                times[name].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def table(title: str, rows: list[Row]) -> str:
    """A markdown table: case, median, baseline(s), ratio, target, result."""
    lines = [f"### {title}", "", "| case | median | baseline(s) | ratio | target | result |",
             "|---|---:|---|---|---|---|"]
    lines += [f"| {r.case} | {r.median} | {r.baseline} | {r.ratio} | {r.target} | {r.verdict} |" for r in rows]
    return "\n".join(lines) + "\n"


def machine() -> str:
    """CPU, cores, memory and the versions that decide the timings."""
    import numpy
    import pandas
    import pyarrow
    import sklearn
    import streamlit

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    parts = [f"CPU: {_cpu_model()}", f"cores: {os.cpu_count()} ({usable} usable)", f"RAM: {_memory()}",
             f"Python {platform.python_version()}", f"numpy {numpy.__version__}", f"pandas {pandas.__version__}",
             f"pyarrow {pyarrow.__version__}", f"scikit-learn {sklearn.__version__}",
             f"streamlit {streamlit.__version__}"]
    parts.append(f"load average {load()} at start")
    if os.environ.get("OPENBLAS_CORETYPE"):
        parts.append(f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']}")
    return "Machine: " + "; ".join(parts)


def load() -> str:
    """The 1-minute load average: other work on the machine makes every timing slower and noisier."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.split(":")[0].strip() in ("model name", "Model", "Hardware"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            kib = int(handle.readline().split()[1])
        return f"{kib / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"
