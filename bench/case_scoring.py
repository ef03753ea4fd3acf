"""Case 1: one large submission through submissions.submit, against a lower bound and the original's work."""

from __future__ import annotations

import gc
import io
import multiprocessing
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import datagen
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from report import Row, medians, ms

import submissions
import users
from storage import State

TARGET_VS_LOWER_BOUND = 1.3
TARGET_VS_ORIGINAL = 1.2
TARGET_MEMORY = 4.0
PEAK_METHOD = "VmHWM after reset minus VmRSS before"


class Scorer:
    """The three ways of scoring one file, sharing the competition and the target held in memory."""

    def __init__(self, y_test: Path, sample: Path, metric: str, state_dir: Path, predictions: np.ndarray | None):
        self.comp = datagen.build_competition(y_test, sample, metric)
        self.metric = datagen.METRICS[metric]
        self.state = State(state_dir)
        self.user = users.User("teamX")
        target = self.comp.target
        self.public, self.private = target.public, ~target.public
        self.truth_public, self.truth_private = target.values[self.public], target.values[self.private]
        if predictions is not None:  # already aligned and split: what the lower bound scores without paying for it
            self.predictions_public, self.predictions_private = predictions[self.public], predictions[self.private]

    def ours(self, content: bytes):
        """Exactly what the Submit page does with an upload."""
        return submissions.submit(self.state, self.comp, self.user, "predictions.csv", content, datetime.now(UTC))

    def lower_bound(self, content: bytes):
        """(a) Parse with pyarrow, then the metric on both parts of arrays that are already aligned."""
        pacsv.read_csv(io.BytesIO(content))
        return self.metric_alone()

    def original(self, content: bytes):
        """(b) The original's pandas.read_csv(index_col=0) and metric, on both parts, without any alignment."""
        values = pd.read_csv(io.BytesIO(content), index_col=0).iloc[:, 0].to_numpy()
        return (self.metric(self.truth_public, values[self.public]),
                self.metric(self.truth_private, values[self.private]))

    def lower_bound_in_order(self, content: bytes):
        """(a) for a file in the target's order, scoring the parsed column itself (for the memory probe)."""
        values = pacsv.read_csv(io.BytesIO(content)).column(1).to_numpy()
        return (self.metric(self.truth_public, values[self.public]),
                self.metric(self.truth_private, values[self.private]))

    def metric_alone(self):
        return (self.metric(self.truth_public, self.predictions_public),
                self.metric(self.truth_private, self.predictions_private))


def run(workdir: Path, n: int, repeats: int, metric: str) -> tuple[list[Row], list[str]]:
    """Time ours against (a) and (b) for rows in the target's order and shuffled; measure peak memory."""
    data = datagen.scoring_data(workdir, n)
    scorer = Scorer(data.y_test, data.in_order, metric, workdir / "state-scoring", data.predictions)
    expected = scorer.metric_alone()
    rows, problems = [], []
    for label, path in (("in target order", data.in_order), ("shuffled", data.shuffled)):
        content = path.read_bytes()
        receipt = scorer.ours(content)
        if not np.allclose([receipt.scores.public, receipt.scores.private], expected, rtol=1e-12, atol=1e-12):
            problems.append(f"scoring {label}: ours {receipt.scores} differs from the metric's {expected}")
        times = medians({"ours": lambda c=content: scorer.ours(c), "a": lambda c=content: scorer.lower_bound(c),
                         "b": lambda c=content: scorer.original(c), "metric": scorer.metric_alone}, repeats)
        size = f"{n:,} rows, {len(content) / 1e6:.1f} MB, {label}"
        rows += [
            _ratio_row(f"submit() vs (a) pyarrow read + metric, {size}", times["ours"], times["a"],
                       TARGET_VS_LOWER_BOUND),
            _ratio_row(f"submit() vs (b) pandas read_csv(index_col=0) + metric, {size}", times["ours"],
                       times["b"], TARGET_VS_ORIGINAL),
            Row(f"(info) the metric alone on both parts, {label}", ms(times["metric"]),
                ratio=f"{times['metric'] / times['ours']:.0%} of ours"),
        ]
    rows += memory_rows(data, metric, workdir)
    return rows, problems


def _ratio_row(case: str, ours: float, baseline: float, target: float) -> Row:
    ratio = ours / baseline
    return Row(case, ms(ours), ms(baseline), f"{ratio:.2f}", f"≤ {target}", ratio <= target)


# -- peak memory, each measurement in a fresh process ---------------------------------------------
def memory_rows(data: datagen.ScoringData, metric: str, workdir: Path) -> list[Row]:
    context = multiprocessing.get_context("spawn")
    rows = []
    probes = [("ours", data.in_order, "in target order"), ("ours", data.shuffled, "shuffled"),
              ("a", data.in_order, "in target order"), ("b", data.in_order, "in target order")]
    with context.Pool(2, maxtasksperchild=1) as pool:  # one probe per process; two at a time
        pending = [pool.apply_async(memory_probe, (way, str(data.y_test), str(path), metric,
                                                   str(workdir / f"state-memory-{way}-{path.stem}")))
                   for way, path, _ in probes]
        found = [job.get() for job in pending]
    for (way, _, label), probe in zip(probes, found, strict=True):
        ratio = probe["peak"] / probe["size"]
        name = {"ours": "submit()", "a": "(a) lower bound", "b": "(b) original"}[way]
        method = "" if probe["method"] == PEAK_METHOD else f" (method: {probe['method']})"
        live = probe["live"] / probe["size"]
        rows.append(Row(f"peak memory of {name}, {label}{method}", f"{probe['peak'] / 1e6:.0f} MB",
                        f"file {probe['size'] / 1e6:.1f} MB; live allocations ≤ {probe['live'] / 1e6:.0f} MB "
                        f"(of which pyarrow {probe['arrow'] / 1e6:.0f} MB)",
                        f"{ratio:.2f}× the file (live ≤ {live:.2f}×)", f"≤ {TARGET_MEMORY:g}×" if way == "ours" else "",
                        ratio <= TARGET_MEMORY if way == "ours" else None))
    return rows


def memory_probe(way: str, y_test: str, submission: str, metric: str, state_dir: str) -> dict:
    """In a fresh process: the peak resident memory added by scoring one file that is already in memory."""
    scorer = Scorer(Path(y_test), Path(submission), metric, Path(state_dir), None)
    content = Path(submission).read_bytes()
    action = {"ours": scorer.ours, "a": scorer.lower_bound_in_order, "b": scorer.original}[way]
    gc.collect()
    _trim_heap()
    pool = pa.default_memory_pool()
    arrow_before = pool.max_memory() or 0
    method, before = _reset_peak()
    action(content)
    peak = (_peak_kib() - before) * 1024
    arrow = max(0, (pool.max_memory() or 0) - arrow_before)
    tracemalloc.start()  # a second run, for the live allocations (numpy and Python) without the allocators' slack
    action(content)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"peak": peak, "size": len(content), "method": method, "arrow": arrow, "live": traced + arrow}


def _trim_heap() -> None:
    """Give freed memory back to the system first, so that the peak counts only what scoring adds."""
    pa.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _reset_peak() -> tuple[str, int]:
    """Reset the kernel's peak-RSS mark (Linux clear_refs) and return the method and the current RSS in KiB."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return PEAK_METHOD, _status_kib("VmRSS")
    except OSError:
        import resource

        return "ru_maxrss delta (a lower bound)", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_kib() -> int:
    value = _status_kib("VmHWM")
    if value is None:
        import resource

        value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None
