"""The loaded competition: settings, the public files, and the hidden target with its public/private split."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

import scoring
import sources
from errors import ConfigError, InvalidSubmission
from settings import DATA_SETTINGS, Settings
from storage import State

PUBLIC_FILES = {"X_TRAIN": "X_train.csv", "Y_TRAIN": "y_train.csv", "X_TEST": "X_test.csv",
                "SAMPLE_SUBMISSION": "sample_submission.csv"}
USAGE = "Usage"


@dataclass(frozen=True)
class Competition:
    settings: Settings
    target: scoring.Target
    files: dict[str, Path] = field(default_factory=dict)  # public setting -> local copy

    def links(self) -> dict[str, str]:
        """The organiser's own links to public files, for participants who prefer them."""
        return {name: sources.link(getattr(self.settings, name)) for name in PUBLIC_FILES
                if getattr(self.settings, name) and sources.is_remote(getattr(self.settings, name))}

    def score_file(self, content: bytes, max_bytes: int | None = None, progress=None) -> scoring.Scores:
        """Read, check, align and score one submission's bytes."""
        predictions = scoring.read_predictions(content, self.target, max_bytes, progress)
        if progress:
            progress("Scoring")
        return scoring.score_parts(self.target, predictions, self.settings.SKLEARN_SCORER,
                                   self.settings.SKLEARN_ADDITIONAL_PARAMETERS)


def fetch(settings: Settings, state: State, refresh: bool = False, progress=None) -> dict[str, Path]:
    """Local copies of every configured data file (remote ones downloaded once, into the state directory)."""
    paths = {}
    for name in DATA_SETTINGS:
        source = getattr(settings, name)
        if source:
            paths[name] = sources.local_path(
                name, source, state, settings.base_dir, sha256=settings.DATA_SHA256.get(name),
                timeout=settings.DOWNLOAD_TIMEOUT, refresh=refresh,
                progress=(lambda done, total, n=name: progress(n, done, total)) if progress else None)
    return paths


def data_version(settings: Settings, state: State) -> tuple:
    """A cheap key that changes when a data file's local copy changes (stat, not content)."""
    key = []
    for name in DATA_SETTINGS:
        source = getattr(settings, name)
        path = sources.location(name, source, state, settings.base_dir) if source else None
        if path is None:
            continue
        try:
            stat = path.stat()
            key.append((name, stat.st_mtime_ns, stat.st_size))
        except OSError:
            key.append((name, None))
    return tuple(key)


def load(settings: Settings, state: State, refresh: bool = False, progress=None) -> Competition:
    """Fetch the data, build the target and check the metric on the sample submission."""
    paths = fetch(settings, state, refresh, progress)
    sample = sources.read_csv_file("SAMPLE_SUBMISSION", paths["SAMPLE_SUBMISSION"], settings.SAMPLE_SUBMISSION)
    header = [str(c).strip() for c in sample.columns]
    if len(header) < 2:
        raise ConfigError(f"SAMPLE_SUBMISSION has the header {','.join(header)!r}; it needs an id column and at "
                          "least one prediction column, e.g. `id,target`.")
    truth = sources.read_csv_file("Y_TEST", paths["Y_TEST"], settings.Y_TEST)
    target = build_target(truth, header, settings.PUBLIC_FRACTION, settings.SPLIT_SEED)
    comp = Competition(settings, target, {k: v for k, v in paths.items() if k in PUBLIC_FILES})
    check_sample(comp, paths["SAMPLE_SUBMISSION"].read_bytes())
    return comp


def build_target(truth: pd.DataFrame, header: list[str], fraction: float, seed: int) -> scoring.Target:
    """Sort the target by id and assign each row to the public or the private part."""
    truth = truth.rename(columns=lambda c: str(c).strip())
    id_column, columns = header[0], tuple(header[1:])
    missing = [c for c in header if c not in truth.columns]
    if missing:
        raise ConfigError(f"Y_TEST lacks column(s) {', '.join(missing)} of the sample submission's header "
                          f"`{','.join(header)}`. Give both files the same id and prediction column names.")
    if truth[id_column].isna().any() or truth[id_column].duplicated().any():
        raise ConfigError(f"Y_TEST has empty or repeated values in its id column {id_column}; each test row "
                          "needs its own id.")
    ids = truth[id_column]
    ids = ids.to_numpy(dtype=np.int64) if pd.api.types.is_integer_dtype(ids) else \
        ids.astype(str).str.strip().to_numpy(dtype=object)
    order = np.argsort(ids, kind="stable")
    values = truth[list(columns)]
    if not all(pd.api.types.is_numeric_dtype(values[c]) for c in columns) or values.isna().any().any():
        raise ConfigError(f"Y_TEST's column(s) {', '.join(columns)} must hold numbers with no empty cells.")
    values = values.to_numpy(dtype=float)
    values = values[:, 0] if values.shape[1] == 1 else values
    public = _usage(truth, order) if USAGE in truth.columns else split(len(ids), fraction, seed)
    return scoring.Target(id_column, columns, ids[order], values[order], public)


def split(n: int, fraction: float, seed: int) -> np.ndarray:
    """Deterministically mark round(fraction * n) rows (at least one each side) as public."""
    if fraction >= 1:
        return np.ones(n, dtype=bool)
    n_public = min(max(1, round(fraction * n)), n - 1)
    public = np.zeros(n, dtype=bool)
    public[np.random.default_rng(seed).permutation(n)[:n_public]] = True
    return public


def _usage(truth: pd.DataFrame, order: np.ndarray) -> np.ndarray:
    usage = truth[USAGE].astype(str).str.strip().str.lower().to_numpy()[order]
    unknown = sorted(set(usage) - {"public", "private"})
    if unknown:
        raise ConfigError(f"Y_TEST's {USAGE} column holds {unknown[:3]}; each row must say Public or Private.")
    public = usage == "public"
    if not public.any():
        raise ConfigError(f"Y_TEST's {USAGE} column marks no row Public; the public leaderboard needs some.")
    return public


def check_sample(comp: Competition, content: bytes) -> scoring.Scores:
    """The sample submission must match the target and score as a finite number, or the settings are wrong."""
    try:
        predictions = scoring.read_predictions(content, comp.target)
    except InvalidSubmission as exc:
        raise ConfigError(f"SAMPLE_SUBMISSION does not fit Y_TEST: {exc} Make the sample submission list "
                          "exactly the ids of Y_TEST, with the same column names.") from None
    try:
        return scoring.score_parts(comp.target, predictions, comp.settings.SKLEARN_SCORER,
                                   comp.settings.SKLEARN_ADDITIONAL_PARAMETERS)
    except InvalidSubmission as exc:
        raise ConfigError(f"SKLEARN_SCORER cannot score the sample submission: {exc} Fix SKLEARN_SCORER, "
                          "SKLEARN_ADDITIONAL_PARAMETERS or the sample submission.") from None


def is_open(settings: Settings, now: datetime) -> bool:
    return (settings.START is None or now >= settings.START) and (settings.END is None or now < settings.END)


