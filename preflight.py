"""The organiser's pre-flight check: fetch every file, rehearse three submissions, flag demo leftovers.

`python main.py check [--config FILE] [--state-dir DIR] [--refresh]` prints the report and exits non-zero
when any check fails; the Admin page shows the same report.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

import competition
import settings as settings_module
import sources
import users
from errors import ConfigError, DataUnavailable, InvalidSubmission, StateFileError
from scoring import Scores, Target, format_score
from settings import DATA_SETTINGS, Settings
from storage import State

OK, WARNING, FAILURE = "ok", "warning", "failure"
TEXTS = ("TITLE", "context_markdown", "content_markdown", "data_instruction_commands", "evaluation_content")
DEMO_CONFIG = settings_module.ROOT / "config.py"
SHOWN = 5  # how many mismatched ids a message lists


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # OK, WARNING or FAILURE
    message: str


def failed(checks: list[Check]) -> bool:
    return any(check.status == FAILURE for check in checks)


# -- the whole check --------------------------------------------------------------------------
def check_file(config_path: str | Path, state_dir: str | Path, *, refresh: bool = False, seed: int = 0,
               now: datetime | None = None, progress=None) -> list[Check]:
    """Load a settings file, then run every check on it (a bad file is one failure, not a traceback)."""
    try:
        config = settings_module.load(config_path)
    except ConfigError as exc:
        return [Check("Settings", FAILURE, str(exc))]
    try:
        state = State(state_dir)
    except OSError as exc:
        return [Check("Settings", OK, f"{config.source} is valid."),
                Check("State directory", FAILURE, f"{state_dir} cannot be created or used ({exc}). Set "
                      "DATATHON_STATE_DIR to a writable directory.")]
    return [Check("Settings", OK, f"{config.source} is valid."),
            *run(config, state, refresh=refresh, seed=seed, now=now, progress=progress)]


def run(config: Settings, state: State, *, refresh: bool = False, seed: int = 0, now: datetime | None = None,
        progress=None) -> list[Check]:
    """Fetch every data file, rehearse the sample, a perfect and a random submission, flag demo leftovers."""
    checks: list[Check] = []
    paths = fetch(config, state, checks, refresh=refresh, progress=progress)
    if "SAMPLE_SUBMISSION" in paths and "Y_TEST" in paths:
        checks += rehearse(config, paths, seed)
    checks += leftovers(config, state, now or datetime.now(UTC))
    return checks


def fetch(config: Settings, state: State, checks: list[Check], *, refresh: bool = False,
          progress=None) -> dict[str, Path]:
    """Fetch and read through every configured data file, one check each; return the files that worked."""
    paths = {}
    for name in DATA_SETTINGS:
        source = getattr(config, name)
        if not source:
            continue
        try:
            path = sources.local_path(
                name, source, state, config.base_dir, sha256=config.DATA_SHA256.get(name),
                timeout=config.DOWNLOAD_TIMEOUT, refresh=refresh,
                progress=(lambda done, total, n=name: progress(n, done, total)) if progress else None)
            rows, columns = sources.csv_shape(name, source, path)
        except DataUnavailable as exc:
            checks.append(Check(f"Data {name}", FAILURE, str(exc)))
            continue
        where = f", kept in {path}" if sources.is_remote(source) else ""
        checks.append(Check(f"Data {name}", OK, f"{source}: {rows} rows, {columns} columns{where}."))
        paths[name] = path
    return paths


# -- the rehearsal ----------------------------------------------------------------------------
def rehearse(config: Settings, paths: dict[str, Path], seed: int) -> list[Check]:
    """Check the sample against the target, then score the sample, a perfect and a random submission."""
    try:
        sample = sources.read_csv_file("SAMPLE_SUBMISSION", paths["SAMPLE_SUBMISSION"], config.SAMPLE_SUBMISSION)
        truth = sources.read_csv_file("Y_TEST", paths["Y_TEST"], config.Y_TEST)
        header = [str(c).strip() for c in sample.columns]
        if len(header) < 2:
            raise ConfigError(f"SAMPLE_SUBMISSION has the header {','.join(header)!r}; it needs an id column "
                              "and at least one prediction column, e.g. `id,target`.")
        target = competition.build_target(truth, header, config.PUBLIC_FRACTION, config.SPLIT_SEED)
    except (ConfigError, DataUnavailable) as exc:
        return [Check("Target", FAILURE, str(exc))]
    checks = [_target_check(target), _ids_check(sample, target)]
    if "X_TEST" in paths:
        checks += _x_test_check(config, paths["X_TEST"], target)
    comp = competition.Competition(config, target)
    rehearsals = {"perfect": _as_csv(target, target.values), "random": _as_csv(target, _shuffled(target, seed))}
    if checks[1].status == OK:  # a sample with other ids would only fail again, with the same fix
        rehearsals = {"sample": paths["SAMPLE_SUBMISSION"].read_bytes(), **rehearsals}
    scores: dict[str, Scores] = {}
    for label, content in rehearsals.items():
        check, result = _rehearsal(comp, label, content, seed)
        checks.append(check)
        if result is not None:
            scores[label] = result
        elif "SKLEARN_SCORER must" in check.message:
            break  # the metric itself is wrong: every other submission would fail the same way
    if "perfect" in scores and "random" in scores:
        checks.append(_direction(config, scores["perfect"], scores["random"]))
        if checks[-1].status == OK and config.BENCHMARK_SCORE is not None:
            checks += _benchmark(config, scores["perfect"], scores["random"])
    return checks


def _target_check(target: Target) -> Check:
    n, public = len(target.ids), int(target.public.sum())
    split = f"{public} public and {n - public} private" if target.has_private else "all public"
    return Check("Target", OK, f"Y_TEST: {n} rows scored on {', '.join(target.columns)} ({split}).")


def _ids_check(sample: pd.DataFrame, target: Target) -> Check:
    """The sample submission must list exactly the target's ids, each once: participants copy it."""
    name = target.id_column
    listed = [str(v).strip() for v in sample.iloc[:, 0]]
    wanted = {str(v).strip() for v in target.ids}
    problems = []
    repeated = [v for v, count in Counter(listed).items() if count > 1]
    if repeated:
        problems.append(f"it repeats {len(repeated)} id(s) ({_examples(repeated)})")
    unknown = set(listed) - wanted
    if unknown:
        problems.append(f"{len(unknown)} of its ids are not in Y_TEST ({_examples(unknown)})")
    missing = wanted - set(listed)
    if missing:
        problems.append(f"{len(missing)} ids of Y_TEST are missing from it ({_examples(missing)})")
    if problems:
        return Check("Sample submission ids", FAILURE,
                     f"SAMPLE_SUBMISSION's {name} column does not match Y_TEST's: {'; '.join(problems)}. Make the "
                     f"sample submission list exactly the {len(wanted)} ids of Y_TEST, once each: participants "
                     "copy its ids, and the app checks submissions against Y_TEST.")
    return Check("Sample submission ids", OK, f"SAMPLE_SUBMISSION lists exactly the {len(wanted)} ids of Y_TEST.")


def _x_test_check(config: Settings, path: Path, target: Target) -> list[Check]:
    """X_TEST's rows should be the scored rows, or participants predict rows nobody scores."""
    try:
        frame = pd.read_csv(path, usecols=lambda c: str(c).strip() == target.id_column)
    except Exception:  # unreadable here means readable in full but odd; the Data check already passed
        return []
    if frame.shape[1] != 1:
        return [Check("Test features ids", WARNING, f"X_TEST has no {target.id_column} column, so its rows "
                      "cannot be matched with Y_TEST's. Give X_TEST the same id column as the sample submission.")]
    listed = {str(v).strip() for v in frame.iloc[:, 0]}
    wanted = {str(v).strip() for v in target.ids}
    if listed == wanted:
        return [Check("Test features ids", OK, f"X_TEST has the {len(wanted)} ids of Y_TEST.")]
    return [Check("Test features ids", WARNING,
                  f"X_TEST's {target.id_column} values differ from Y_TEST's: {len(wanted - listed)} scored id(s) "
                  f"have no features ({_examples(wanted - listed)}) and {len(listed - wanted)} feature row(s) are "
                  f"never scored ({_examples(listed - wanted)}). Check that X_TEST and Y_TEST come from the same "
                  "split.")]


def _as_csv(target: Target, values: np.ndarray) -> bytes:
    """A submission file: the target's ids with the given predictions."""
    columns = values.reshape(len(target.ids), -1)
    frame = pd.DataFrame({target.id_column: target.ids})
    for i, name in enumerate(target.columns):
        frame[name] = columns[:, i]
    return frame.to_csv(index=False).encode("utf-8")


def _shuffled(target: Target, seed: int) -> np.ndarray:
    """A random submission of the right kind: the target's own values, dealt out to the wrong ids."""
    rng = np.random.default_rng(seed)
    values = target.values
    for _ in range(10):
        shuffled = values[rng.permutation(len(values))]
        if not np.array_equal(shuffled, values):
            break
    return shuffled


WHAT = {"sample": "the sample submission (SAMPLE_SUBMISSION)",
        "perfect": "a perfect submission (Y_TEST's own values)",
        "random": "a random submission (Y_TEST's values shuffled across the ids, seed {seed})"}
FIX = {"sample": "Give the sample submission values of the kind the metric takes, or fix SKLEARN_SCORER.",
       "perfect": "SKLEARN_SCORER or SKLEARN_ADDITIONAL_PARAMETERS does not fit the values of Y_TEST.",
       "random": "SKLEARN_SCORER or SKLEARN_ADDITIONAL_PARAMETERS does not fit the values of Y_TEST."}


def _rehearsal(comp: competition.Competition, label: str, content: bytes, seed: int) -> tuple[Check, Scores | None]:
    """Score one rehearsal submission as the app would score an upload."""
    name = f"Rehearsal: {label} submission"
    what = WHAT[label].format(seed=seed)
    try:
        scores = comp.score_file(content)
    except (InvalidSubmission, ConfigError) as exc:
        problem = str(exc)
    except Exception as exc:  # the organiser's metric may raise anything
        problem = (f"{_metric_name(comp.settings)} raised {type(exc).__name__}: {sources._reason(exc)}. "
                   "SKLEARN_SCORER must be a function (y_true, y_pred, **params) returning one finite number.")
    else:
        return Check(name, OK, f"{what} scores {_scores(scores)}."), scores
    fix = "" if "SKLEARN_SCORER" in problem else f" {FIX[label]}"
    return Check(name, FAILURE, f"{what} cannot be scored: {problem}{fix}"), None


def _direction(config: Settings, perfect: Scores, random: Scores) -> Check:
    """A perfect submission must beat a random one in the configured direction."""
    parts = [("public", perfect.public, random.public)]
    if perfect.private is not None and random.private is not None:
        parts.append(("private", perfect.private, random.private))
    metric = _metric_name(config)
    for part, best, chance in parts:
        if math.isclose(best, chance, rel_tol=1e-12, abs_tol=1e-12):
            return Check("Direction", FAILURE,
                         f"{metric} gives a perfect submission and a random one the same {part} score "
                         f"({format_score(best)}): it cannot tell good predictions from bad. Check SKLEARN_SCORER "
                         f"and SKLEARN_ADDITIONAL_PARAMETERS, and that Y_TEST's {part} rows hold more than one "
                         "value.")
        if (best > chance) != config.GREATER_IS_BETTER:
            higher = best > chance
            return Check("Direction", FAILURE,
                         f"GREATER_IS_BETTER = {config.GREATER_IS_BETTER}, but a perfect submission scores "
                         f"{format_score(best)} and a random one {format_score(chance)} ({part} part): with {metric} "
                         f"a {'higher' if higher else 'lower'} score is better. Set GREATER_IS_BETTER = {higher} "
                         "in your config.py.")
    way = "higher" if config.GREATER_IS_BETTER else "lower"
    return Check("Direction", OK, f"A perfect submission ({_scores(perfect)}) beats a random one "
                 f"({_scores(random)}): {way} is better, as GREATER_IS_BETTER = {config.GREATER_IS_BETTER} says.")


def _benchmark(config: Settings, perfect: Scores, random: Scores) -> list[Check]:
    bench, sign = config.BENCHMARK_SCORE, 1 if config.GREATER_IS_BETTER else -1
    if sign * (bench - perfect.public) > 0:
        return [Check("Benchmark", WARNING, f"BENCHMARK_SCORE = {format_score(bench)} beats even a perfect "
                      f"submission ({format_score(perfect.public)}): no team can pass it. Fix BENCHMARK_SCORE.")]
    if sign * (bench - random.public) < 0:
        return [Check("Benchmark", WARNING, f"BENCHMARK_SCORE = {format_score(bench)} is worse than a random "
                      f"submission ({format_score(random.public)}). Was it computed with another metric? "
                      "Check BENCHMARK_SCORE.")]
    return [Check("Benchmark", OK, f"BENCHMARK_SCORE = {format_score(bench)} lies between a random and a "
                  "perfect submission.")]


# -- demo leftovers ---------------------------------------------------------------------------
def leftovers(config: Settings, state: State, now: datetime) -> list[Check]:
    """Warn about what the demo set up and an organiser usually changes: password, data, texts, dates."""
    checks = [_admin_password(state)]
    demo_data = [name for name in DATA_SETTINGS if getattr(config, name) and sources.kind(getattr(config, name))
                 == "demo"]
    if demo_data:
        checks.append(Check("Demo data", WARNING, f"{_names(demo_data, 'uses', 'use')} the embedded demo data. "
                            "Point them at your competition's files (path, URL or Google Drive link) in your "
                            "config.py."))
    demo_texts = _demo_texts(config)
    if demo_texts:
        checks.append(Check("Demo texts", WARNING, f"{_names(demo_texts, 'still holds', 'still hold')} the demo's "
                            "text. Write your competition's own in your config.py."))
    empty = [name for name in TEXTS if not getattr(config, name).strip()]
    if empty:
        checks.append(Check("Empty texts", WARNING, f"{_names(empty, 'is', 'are')} empty, so the pages show no "
                            "explanation there. Write them in your config.py."))
    checks.append(_schedule(config, now))
    return checks


def _admin_password(state: State) -> Check:
    fix = f"`python users.py --state-dir {shlex.quote(str(state.dir))} reset admin`"
    try:
        if state.read_bytes(users.FILE) is None:
            return Check("Admin password", WARNING, f"There is no {users.FILE} in {state.dir} yet, so the app will "
                         f"create the account admin with the default password. Give it a strong one now: {fix}.")
        if users.has_default_password(state):
            return Check("Admin password", WARNING, f"The admin account still has the default password. Change "
                         f"it: {fix}.")
    except StateFileError as exc:
        return Check("Admin password", FAILURE, str(exc))
    return Check("Admin password", OK, "The admin account does not use the default password.")


def _demo_texts(config: Settings) -> list[str]:
    """Texts equal to the demo config.py's (when that file still runs the demo and is not the one checked)."""
    if config.source is not None and Path(config.source).resolve() == DEMO_CONFIG.resolve():
        runs_demo = all(sources.kind(getattr(config, n)) == "demo" for n in DATA_SETTINGS if getattr(config, n))
        return [n for n in TEXTS if getattr(config, n).strip()] if runs_demo else []
    try:
        demo_config = settings_module.load(DEMO_CONFIG)
    except ConfigError:
        return []
    if not all(sources.kind(getattr(demo_config, n)) == "demo" for n in DATA_SETTINGS if getattr(demo_config, n)):
        return []  # config.py was edited into another competition: it is no reference for the demo
    return [n for n in TEXTS if getattr(config, n).strip() and getattr(config, n) == getattr(demo_config, n)]


def _schedule(config: Settings, now: datetime) -> Check:
    if config.END is None:
        return Check("Schedule", WARNING, "END is not set: uploads never close and the private leaderboard is "
                     "revealed only by hand (Admin page). Set e.g. END = '2026-12-31 18:00+00:00' in your config.py.")
    if config.END <= now:
        return Check("Schedule", WARNING, f"END ({config.END:%Y-%m-%d %H:%M} UTC) has passed: uploads are closed. "
                     "Move END if the competition is not over.")
    start = "now" if config.START is None or config.START <= now else f"{config.START:%Y-%m-%d %H:%M} UTC"
    return Check("Schedule", OK, f"Uploads open {start} and close {config.END:%Y-%m-%d %H:%M} UTC.")


# -- small helpers ----------------------------------------------------------------------------
def _metric_name(config: Settings) -> str:
    metric = config.SKLEARN_SCORER
    return getattr(metric, "__name__", None) or repr(metric)


def _names(names: list[str], one: str, many: str) -> str:
    return f"{', '.join(names)} {one if len(names) == 1 else many}"


def _scores(scores: Scores) -> str:
    if scores.private is None:
        return format_score(scores.public)
    return f"{format_score(scores.public)} public, {format_score(scores.private)} private"


def _examples(values) -> str:
    ordered = sorted(values, key=lambda v: (len(v), v))
    extra = len(ordered) - SHOWN
    return "e.g. " + ", ".join(ordered[:SHOWN]) + (f" and {extra} more" if extra > 0 else "")


# -- the command ------------------------------------------------------------------------------
MARKS = {OK: "ok", WARNING: "warning", FAILURE: "FAILED"}


def format_report(checks: list[Check]) -> str:
    """The report as text: one line per check, then a verdict."""
    lines = [f"[{MARKS[c.status]:>7}] {c.name}: {c.message}" for c in checks]
    failures = sum(c.status == FAILURE for c in checks)
    warnings = sum(c.status == WARNING for c in checks)
    if failures:
        lines.append(f"Pre-flight check FAILED: {failures} failure(s), {warnings} warning(s). Fix the failures, "
                     "then run `python main.py check` again.")
    else:
        lines.append(f"Pre-flight check passed, with {warnings} warning(s)." if warnings else
                     "Pre-flight check passed.")
    return "\n".join(lines)


def _progress_printer(stream):
    """Report large downloads on `stream`, about every tenth of the file (or every 10 MB)."""
    shown: dict[str, int] = {}

    def report(name: str, done: int, total: int | None) -> None:
        step = max(total // 10, 1 << 20) if total else 10 << 20
        if done < 1 << 20 or done // step <= shown.get(name, 0) and done != total:
            return  # small files and small steps go unreported
        shown[name] = done // step
        of = f" of {total / 1e6:.1f} MB" if total else " MB"
        print(f"  downloading {name}: {done / 1e6:.1f}{of}", file=stream, flush=True)

    return report


def main(argv: list[str] | None = None) -> int:
    """python main.py check [--config FILE] [--state-dir DIR] [--refresh] [--seed N]"""
    parser = argparse.ArgumentParser(
        prog="python main.py check",
        description="Rehearse the competition before opening it: fetch every data file, check the sample "
                    "submission against Y_TEST, score a sample, a perfect and a random submission, and list "
                    "settings left at the demo's values. Exits with 1 when a check fails.")
    parser.add_argument("--config", help="settings file (default: DATATHON_CONFIG, else config.py beside main.py)")
    parser.add_argument("--state-dir", help="state directory, where downloads are kept (default: "
                        "DATATHON_STATE_DIR, else the project folder)")
    parser.add_argument("--refresh", action="store_true", help="download remote files again even if cached")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random rehearsal submission")
    args = parser.parse_args(argv)
    config = Path(args.config).resolve() if args.config else settings_module.config_path()
    state_dir = Path(args.state_dir).resolve() if args.state_dir else settings_module.state_dir()
    print(f"Pre-flight check of {config} (state directory {state_dir})", flush=True)
    checks = check_file(config, state_dir, refresh=args.refresh, seed=args.seed,
                        progress=_progress_printer(sys.stderr))
    print(format_report(checks))
    return 1 if failed(checks) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
