"""Rankings derived from the submission log: best per team, ties to the earlier, public and private views."""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from settings import Settings
from storage import State

FILE = "leaderboard.csv"
PRIVATE_FILE = "leaderboard_private.csv"
BENCHMARK = "benchmark"
COLUMNS = ["rank", "id", "score", "nb_submissions", "reached_at", "benchmark"]
PRIVATE_COLUMNS = ["rank", "id", "score", "public_rank", "change", "benchmark"]


def _scored(log: pd.DataFrame) -> pd.DataFrame:
    return log[(log["status"] == "scored") & log["public_score"].notna()]


def _best_first(frame: pd.DataFrame, column: str, settings: Settings) -> pd.DataFrame:
    """Best score first; among equal scores, the earlier submission first."""
    return frame.sort_values([column, "submission_id"], ascending=[not settings.GREATER_IS_BETTER, True],
                             kind="stable")


def public(log: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """One row per team with its best public score, ranked; the benchmark row has no rank."""
    scored = _scored(log)
    best = _best_first(scored, "public_score", settings).drop_duplicates("team", keep="first")
    counts = scored.groupby("team").size()
    board = pd.DataFrame({
        "id": best["team"].to_numpy(),
        "score": best["public_score"].to_numpy(),
        "nb_submissions": counts.reindex(best["team"]).to_numpy(),
        "reached_at": best["submitted_at"].to_numpy(),
        "order": best["submission_id"].to_numpy(),
    })
    return _ranked(board, settings)


def private(log: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Each team's best private score among its final picks (or its best public ones), with the shake-up."""
    scored = _scored(log)
    scored = scored[scored["private_score"].notna()]
    by_public = _best_first(scored, "public_score", settings)
    automatic = by_public[by_public.groupby("team").cumcount() < settings.MAX_SELECTED_SUBMISSIONS]
    picked_teams = set(scored.loc[scored["selected"], "team"])
    chosen = pd.concat([scored[scored["selected"]], automatic[~automatic["team"].isin(picked_teams)]])
    best = _best_first(chosen, "private_score", settings).drop_duplicates("team", keep="first")
    board = _ranked(pd.DataFrame({
        "id": best["team"].to_numpy(),
        "score": best["private_score"].to_numpy(),
        "order": best["submission_id"].to_numpy(),
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
    scored = _scored(log).sort_values("submission_id")
    leaders = public(log, settings)
    leaders = leaders.loc[~leaders["benchmark"], "id"].head(top)
    scored = scored[scored["team"].isin(set(leaders))]
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
