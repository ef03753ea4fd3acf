"""Rankings derived from the submission log: best per team, ties to the earlier, public and private views."""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from settings import Settings
from storage import State

FILE = "leaderboard.csv"
BENCHMARK = "benchmark"
COLUMNS = ["rank", "id", "score", "nb_submissions", "reached_at", "benchmark"]
PRIVATE_COLUMNS = ["rank", "id", "score", "public_rank", "change", "benchmark"]


# The rankings work on numpy arrays of row positions: sorting or filtering the whole log (with its
# text columns) would cost more than the ranking itself, and the pages rank on every rerun.
def _counted(log: pd.DataFrame) -> np.ndarray:
    """Positions of the rows that count: scored, with a public score."""
    return np.flatnonzero(((log["status"] == "scored") & log["public_score"].notna()).to_numpy())


def _scored_rows(log: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows that count, their team codes, and the team names (indexed by code)."""
    rows = _counted(log)
    codes, names = pd.factorize(log["team"], use_na_sentinel=False)
    return rows, codes[rows], np.asarray(names, dtype=object)


def _best_per_team(teams: np.ndarray, scores: np.ndarray, ids: np.ndarray, settings: Settings) -> np.ndarray:
    """Positions (ascending) of each team's best row; among equal scores, the earlier submission."""
    greater = settings.GREATER_IS_BETTER
    best = np.full(teams.max() + 1 if len(teams) else 0, -np.inf if greater else np.inf)
    (np.maximum if greater else np.minimum).at(best, teams, scores)
    candidates = np.flatnonzero(scores == best[teams])  # one per team, more on ties
    candidates = candidates[np.lexsort((ids[candidates], teams[candidates]))]  # stable: then the earlier row
    _, first = np.unique(teams[candidates], return_index=True)
    return np.sort(candidates[first])


def _top_per_team(teams: np.ndarray, scores: np.ndarray, ids: np.ndarray, settings: Settings, k: int) -> np.ndarray:
    """Mask of each team's k best rows (one pass per pick; k is a handful)."""
    top = np.zeros(len(teams), dtype=bool)
    for _ in range(k):
        left = np.flatnonzero(~top)
        if not left.size:
            break
        top[left[_best_per_team(teams[left], scores[left], ids[left], settings)]] = True
    return top


def _first_picks(teams: np.ndarray, ids: np.ndarray, selected: np.ndarray, k: int) -> np.ndarray:
    """At most k picks per team, the earliest submissions first (if the limit was lowered after picking)."""
    picked = np.flatnonzero(selected)
    if not picked.size:
        return selected
    picked = picked[np.lexsort((ids[picked], teams[picked]))]
    rank = pd.Series(teams[picked]).groupby(teams[picked]).cumcount().to_numpy()
    kept = np.zeros_like(selected)
    kept[picked[rank < k]] = True
    return kept


def public(log: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """One row per team with its best public score, ranked; the benchmark row has no rank."""
    rows, teams, names = _scored_rows(log)
    scores = log["public_score"].to_numpy()[rows]
    ids = log["submission_id"].to_numpy()[rows]
    best = _best_per_team(teams, scores, ids, settings)
    board = pd.DataFrame({
        "id": names[teams[best]],
        "score": scores[best],
        "nb_submissions": np.bincount(teams, minlength=len(names))[teams[best]],
        "reached_at": log["submitted_at"].iloc[rows[best]].to_numpy(),
        "order": ids[best],
    })
    return _ranked(board, settings)


def private(log: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Each team's best private score among its final picks (or its best public ones), with the shake-up."""
    rows, teams, names = _scored_rows(log)
    has_private = log["private_score"].notna().to_numpy()[rows]
    rows, teams = rows[has_private], teams[has_private]
    scores = log["private_score"].to_numpy()[rows]
    ids = log["submission_id"].to_numpy()[rows]
    selected = _first_picks(teams, ids, log["selected"].to_numpy(dtype=bool)[rows], settings.MAX_SELECTED_SUBMISSIONS)
    automatic = _top_per_team(teams, log["public_score"].to_numpy()[rows], ids, settings,
                              settings.MAX_SELECTED_SUBMISSIONS)
    chosen = np.flatnonzero(selected | (automatic & ~np.isin(teams, teams[selected])))
    best = chosen[_best_per_team(teams[chosen], scores[chosen], ids[chosen], settings)]
    board = _ranked(pd.DataFrame({
        "id": names[teams[best]],
        "score": scores[best],
        "order": ids[best],
    }), settings)
    public_ranks = public(log, settings).set_index("id")["rank"]
    board["public_rank"] = board["id"].map(public_ranks).astype("Int64")
    board["change"] = (board["public_rank"] - board["rank"]).astype("Int64")
    return board[PRIVATE_COLUMNS]


def _ranked(board: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Number the teams 1..n, best first, ties to the earlier submission (`order`); add the benchmark."""
    board = board.sort_values(["score", "order"], ascending=[not settings.GREATER_IS_BETTER, True],
                              kind="stable").drop(columns="order")
    board.insert(0, "rank", pd.array(np.arange(1, len(board) + 1), dtype="Int64"))
    board["benchmark"] = False
    if settings.BENCHMARK_SCORE is not None:
        board = _with_benchmark(board, settings)
    return board.reset_index(drop=True)


def _with_benchmark(board: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Place the benchmark row by its score, before teams that only equal it (it was there first)."""
    score = settings.BENCHMARK_SCORE
    beaten = board["score"] > score if settings.GREATER_IS_BETTER else board["score"] < score
    position = int(beaten.sum())
    row = {column: pd.NA for column in board.columns}
    row.update(id=BENCHMARK, score=score, benchmark=True)
    if "nb_submissions" in board:
        row["nb_submissions"] = 0
    top, bottom = board.iloc[:position], board.iloc[position:]
    return pd.concat([top, pd.DataFrame([row]).astype(board.dtypes.to_dict(), errors="ignore"), bottom],
                     ignore_index=True)


def progress_over_time(log: pd.DataFrame, settings: Settings, top: int = 10) -> pd.DataFrame:
    """Each leading team's best public score so far, after each of its submissions (for a chart)."""
    leaders = public(log, settings)
    leaders = leaders.loc[~leaders["benchmark"], "id"].head(top)
    rows = _counted(log)
    rows = rows[log["team"].isin(set(leaders)).to_numpy()[rows]]
    scored = log.iloc[rows][["team", "submitted_at", "public_score", "submission_id"]].sort_values("submission_id")
    running = scored.groupby("team")["public_score"].cummax() if settings.GREATER_IS_BETTER else \
        scored.groupby("team")["public_score"].cummin()
    return pd.DataFrame({"team": scored["team"], "submitted_at": pd.to_datetime(scored["submitted_at"], utc=True),
                         "best_public_score": running})


def export_csv(board: pd.DataFrame) -> bytes:
    """The board as CSV, with cells a spreadsheet would run as a formula made inert."""
    safe = board.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    return safe.to_csv(index=False).encode("utf-8")


def neutralise(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write(state: State, log: pd.DataFrame, settings: Settings) -> None:
    """Write leaderboard.csv (the original's file: id, score, nb_submissions, rank …)."""
    state.write_csv(FILE, public(log, settings))


def rebuild(state: State, settings: Settings) -> pd.DataFrame:
    """Recompute leaderboard.csv from the submission log."""
    import submissions

    with state.locked():
        log = submissions.read_log(state)
        write(state, log, settings)
    return public(log, settings)


def main(argv: list[str] | None = None) -> int:
    """python leaderboard.py rebuild: recompute leaderboard.csv from submissions.csv."""
    import settings as settings_module
    from errors import DatathonError

    parser = argparse.ArgumentParser(prog="python leaderboard.py", description=main.__doc__)
    parser.add_argument("command", choices=["rebuild"])
    parser.parse_args(argv)
    try:
        config = settings_module.load(settings_module.config_path())
        board = rebuild(State(settings_module.state_dir()), config)
    except DatathonError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(board.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
