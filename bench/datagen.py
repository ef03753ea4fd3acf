"""Generated data for the benchmark: a binary target, submissions for it, a settings file, a submission log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics

import competition
import settings
import sources
import submissions

METRICS = {"roc_auc": metrics.roc_auc_score, "average_precision": metrics.average_precision_score}
HEADER = ["id", "target"]


@dataclass(frozen=True)
class ScoringData:
    y_test: Path
    in_order: Path  # a submission with the target's row order
    shuffled: Path  # the same rows in a random order
    labels: np.ndarray  # in id order
    predictions: np.ndarray  # in id order


def scoring_data(directory: Path, n: int, seed: int = 0) -> ScoringData:
    """A target of n binary labels (ids 0..n-1, about 30 % positive) and an informative submission for it."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.3).astype(np.int64)
    predictions = np.clip(0.35 * labels + 0.65 * rng.random(n), 0, 1)
    ids = np.arange(n, dtype=np.int64)
    y_test = directory / "y_test.csv"
    pd.DataFrame({"id": ids, "target": labels}).to_csv(y_test, index=False)
    in_order = directory / "submission.csv"
    content = pd.DataFrame({"id": ids, "target": predictions}).to_csv(index=False).encode()  # as participants do
    in_order.write_bytes(content)
    header, *lines = content.rstrip(b"\n").split(b"\n")
    shuffled = directory / "submission_shuffled.csv"
    shuffled.write_bytes(b"\n".join([header, *(lines[i] for i in rng.permutation(n))]) + b"\n")
    return ScoringData(y_test, in_order, shuffled, labels, predictions)


def build_competition(y_test: Path, sample: Path, metric: str = "roc_auc") -> competition.Competition:
    """The Competition the app would load, built from generated files (uploads unlimited)."""
    config = settings.from_mapping({"SKLEARN_SCORER": METRICS[metric], "SAMPLE_SUBMISSION": str(sample),
                                    "Y_TEST": str(y_test), "MAX_SUBMISSIONS_PER_DAY": 10**9})
    truth = sources.read_csv_file("Y_TEST", y_test)
    target = competition.build_target(truth, HEADER, config.PUBLIC_FRACTION, config.SPLIT_SEED)
    return competition.Competition(config, target)


def small_competition_files(directory: Path, n: int = 1000, seed: int = 1) -> tuple[Path, Path]:
    """A small target and a sample submission for it (for the pages and the concurrency cases)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    labels = np.r_[0, 1, rng.integers(0, 2, n - 2)]
    y_test, sample = directory / "y_test.csv", directory / "sample_submission.csv"
    pd.DataFrame({"id": np.arange(n), "target": labels}).to_csv(y_test, index=False)
    pd.DataFrame({"id": np.arange(n), "target": rng.random(n).round(4)}).to_csv(sample, index=False)
    return y_test, sample


def config_file(directory: Path, metric: str = "roc_auc") -> Path:
    """A settings file for the small competition, as an organiser would write it."""
    y_test, sample = small_competition_files(directory)
    path = directory / "config.py"
    path.write_text(f"from sklearn.metrics import {METRICS[metric].__name__}\n"
                    f"TITLE = 'Benchmark'\n"
                    f"SKLEARN_SCORER = {METRICS[metric].__name__}\n"
                    f"SAMPLE_SUBMISSION = {sample.name!r}\n"
                    f"Y_TEST = {y_test.name!r}\n"
                    f"BENCHMARK_SCORE = 0.5\n"
                    f"MAX_SUBMISSIONS_PER_DAY = 1000\n", encoding="utf-8")
    return path


def team_name(number: int) -> str:
    return f"team{number:04d}"


def submission_log(n: int, teams: int, now: datetime, seed: int = 2) -> pd.DataFrame:
    """n logged submissions by `teams` teams over the 30 days before `now`, in the log's own format."""
    rng = np.random.default_rng(seed)
    start = np.datetime64((now - timedelta(days=30)).astimezone(UTC).replace(tzinfo=None), "us")
    offsets = np.sort(rng.integers(0, 30 * 86400 * 10**6, n)).astype("timedelta64[us]")
    stamps = np.char.add(np.datetime_as_string(start + offsets, unit="us"), "Z").astype(object)
    names = np.array([team_name(i) for i in range(teams)], dtype=object)
    digests = np.frombuffer(rng.bytes(32 * n), dtype="S32")
    public = rng.random(n).round(6)
    log = pd.DataFrame({
        "submission_id": np.arange(1, n + 1, dtype=np.int64),
        "team": names[rng.integers(0, teams, n)],
        "submitted_at": stamps,
        "filename": "predictions.csv",
        "sha256": [d.hex() for d in digests],
        "public_score": public,
        "private_score": (public + rng.normal(0, 0.02, n)).round(6),
        "selected": rng.random(n) < 0.0005,
        "status": np.where(rng.random(n) < 0.01, submissions.EXCLUDED, submissions.SCORED).astype(object),
    })
    return log[submissions.COLUMNS]


def check_timestamp_format(log: pd.DataFrame) -> None:
    """The generated times must be what submissions.timestamp writes, or the quotas would misread them."""
    first = log["submitted_at"].iloc[0]
    parsed = datetime.strptime(first, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert submissions.timestamp(parsed) == first, (first, submissions.timestamp(parsed))
