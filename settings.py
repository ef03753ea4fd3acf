"""The organiser's settings: one table of names, defaults and help that feeds loading, checks and docs."""

from __future__ import annotations

import difflib
import importlib.util
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from errors import ConfigError

ROOT = Path(__file__).resolve().parent
REQUIRED = object()


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    check: Callable[[Any], Any] | None = None  # returns the cleaned value or raises ValueError


def _text(value):
    if not isinstance(value, str):
        raise ValueError("must be a string (markdown text)")
    return value


def _bool(value):
    if not isinstance(value, bool):
        raise ValueError("must be True or False")
    return value


def _scorer(value):
    if not callable(value):
        raise ValueError("must be a function (y_true, y_pred, **params) -> float, "
                         "e.g. sklearn.metrics.average_precision_score")
    return value


def _params(value):
    if not isinstance(value, dict):
        raise ValueError("must be a dict of keyword arguments for the scorer, e.g. {} or {'average': 'micro'}")
    return value


def _optional_number(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("must be a finite number, or None")
    return float(value)


def _fraction(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValueError("must be a number greater than 0 and at most 1 (1 means no private leaderboard)")
    return float(value)


def _positive_int(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _optional_positive_int(value):
    return None if value is None else _positive_int(value)


def _int(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


def _optional_time(value):
    """Accept a datetime or an ISO 8601 string; naive values are read as UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("must be a datetime or an ISO 8601 string such as '2026-12-31 18:00+00:00'") from exc
    if not isinstance(value, datetime):
        raise ValueError("must be a datetime or an ISO 8601 string such as '2026-12-31 18:00+00:00'")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _optional_source(value):
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a file path, an http(s) URL or a Google Drive link, or None")
    return value.strip()


def _source(value):
    if value is None:
        raise ValueError("is required: a file path, an http(s) URL or a Google Drive link")
    return _optional_source(value)


def _checksums(value):
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError("must be a dict such as {'Y_TEST': '<sha256 hex digest>'}")
    unknown = set(value) - set(DATA_SETTINGS)
    if unknown:
        raise ValueError(f"names unknown data setting(s) {sorted(unknown)}; use {', '.join(DATA_SETTINGS)}")
    return {k: v.lower() for k, v in value.items()}


DATA_SETTINGS = ("X_TRAIN", "Y_TRAIN", "X_TEST", "SAMPLE_SUBMISSION", "Y_TEST")

SETTINGS: list[Setting] = [
    Setting("TITLE", "Mini Datathon", "Name of the competition, shown in the browser tab and the sidebar.", _text),
    Setting("context_markdown", "", "Overview page: the challenge, its context and its prizes (markdown).", _text),
    Setting("content_markdown", "", "Data page: what the files contain (markdown).", _text),
    Setting("data_instruction_commands", "", "Data page: how to load the files (markdown).", _text),
    Setting("evaluation_content", "", "Evaluation page: how submissions are scored (markdown).", _text),
    Setting("SKLEARN_SCORER", REQUIRED, "The metric: a function (y_true, y_pred, **params) -> float, "
            "e.g. sklearn.metrics.average_precision_score.", _scorer),
    Setting("SKLEARN_ADDITIONAL_PARAMETERS", {}, "Keyword arguments passed to the metric.", _params),
    Setting("GREATER_IS_BETTER", True, "True when a higher score is better (AUC, accuracy); False for errors "
            "(MSE, log loss).", _bool),
    Setting("BENCHMARK_SCORE", None, "Score of the benchmark row on the leaderboard; None for no benchmark.",
            _optional_number),
    Setting("X_TRAIN", None, "Training features offered on the Data page (path, URL, Google Drive link or id).",
            _optional_source),
    Setting("Y_TRAIN", None, "Training target offered on the Data page.", _optional_source),
    Setting("X_TEST", None, "Test features offered on the Data page.", _optional_source),
    Setting("SAMPLE_SUBMISSION", REQUIRED, "A valid submission: the id column first, then the prediction "
            "column(s). Its header is the header every submission must have.", _source),
    Setting("Y_TEST", REQUIRED, "The hidden target: the id column and the same column(s) as the sample "
            "submission, optionally a `Usage` column (Public/Private). Never offered to participants. "
            "`Y_TEST_GOOGLE_PUBLIC_LINK` is an alias.", _source),
    Setting("DATA_SHA256", {}, "Optional sha256 of each data file, e.g. {'Y_TEST': '…'}; a fetched file "
            "that does not match is refused.", _checksums),
    Setting("DOWNLOAD_TIMEOUT", 60, "Seconds before a remote data download gives up.", _positive_int),
    Setting("PUBLIC_FRACTION", 0.3, "Share of test rows scored on the public leaderboard; the rest make the "
            "private one. 1 means a single, public leaderboard.", _fraction),
    Setting("SPLIT_SEED", 0, "Seed of the public/private split (ignored when Y_TEST has a Usage column).", _int),
    Setting("MAX_SELECTED_SUBMISSIONS", 2, "How many submissions a team may pick as final for the private "
            "leaderboard.", _positive_int),
    Setting("START", None, "When uploads open (datetime or ISO string; naive means UTC). None: open now.",
            _optional_time),
    Setting("END", None, "When uploads close and the private leaderboard is revealed. None: no end.",
            _optional_time),
    Setting("MAX_SUBMISSIONS_PER_DAY", 5, "Accepted submissions per team per UTC day (resets at 00:00 UTC).",
            _positive_int),
    Setting("MAX_SUBMISSIONS_TOTAL", None, "Accepted submissions per team over the whole competition; None: "
            "no total limit.", _optional_positive_int),
    Setting("LEADERBOARD_PUBLIC", True, "True: visitors who are not logged in see the leaderboard too.", _bool),
]
KNOWN = {s.name: s for s in SETTINGS}
ALIASES = {"Y_TEST_GOOGLE_PUBLIC_LINK": "Y_TEST"}


class Settings:
    """The checked settings, read-only, as attributes (`settings.GREATER_IS_BETTER`)."""

    def __init__(self, values: dict[str, Any], source: Path | None = None):
        self._values = dict(values)
        self.source = source
        self.base_dir = source.parent if source else ROOT

    def __getattr__(self, name):
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def replace(self, **changes) -> Settings:
        return Settings({**self._values, **changes}, self.source)


def config_path(environ=os.environ) -> Path:
    """The settings file: DATATHON_CONFIG, else config.py beside main.py."""
    return Path(environ.get("DATATHON_CONFIG") or ROOT / "config.py").resolve()


def state_dir(environ=os.environ) -> Path:
    """The state directory: DATATHON_STATE_DIR, else the project root (as in the original)."""
    return Path(environ.get("DATATHON_STATE_DIR") or ROOT).resolve()


def load(path: str | os.PathLike) -> Settings:
    """Run the organiser's settings file and check every setting; ConfigError says what to fix."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ConfigError(f"Settings file {path} does not exist. Set DATATHON_CONFIG to your config.py "
                          "or create one (see README, 'Setting up a competition').")
    spec = importlib.util.spec_from_file_location(f"datathon_config_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ConfigError(f"Settings file {path} fails to run: {type(exc).__name__}: {exc}. "
                          "Fix that line of the file.") from exc
    namespace = {k: v for k, v in vars(module).items() if not k.startswith("__")}
    return from_mapping(namespace, source=path)


def from_mapping(namespace: dict[str, Any], source: Path | None = None) -> Settings:
    """Check a mapping of setting names to values (the body of a config file)."""
    _refuse_typos(namespace)
    raw = dict(namespace)
    for alias, name in ALIASES.items():
        if alias in raw:
            if name in raw and raw[name] != raw[alias]:
                raise ConfigError(f"Both {name} and its alias {alias} are set, to different values. Keep one.")
            raw.setdefault(name, raw[alias])
    values = {}
    for setting in SETTINGS:
        value = raw.get(setting.name, setting.default)
        if value is REQUIRED:
            raise ConfigError(f"Setting {setting.name} is missing. {setting.help} Add it to your config.py.")
        try:
            values[setting.name] = setting.check(value) if setting.check else value
        except ValueError as exc:
            raise ConfigError(f"Setting {setting.name} = {value!r} {exc}. Fix it in your config.py.") from None
    if values["START"] and values["END"] and values["START"] >= values["END"]:
        raise ConfigError(f"Setting START ({values['START']}) is not before END ({values['END']}). "
                          "Fix one of them in your config.py.")
    return Settings(values, source)


def _refuse_typos(namespace: dict[str, Any]) -> None:
    known = list(KNOWN) + list(ALIASES)
    for name in namespace:
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        if not close:
            close = [k for k in known if k.lower() == name.lower()]
        if close:
            raise ConfigError(f"Unknown setting {name} in your config.py: did you mean {close[0]}? "
                              f"Rename it to {close[0]}.")
