"""Case 3: several processes submitting at once to one state directory; none may be lost."""

from __future__ import annotations

import multiprocessing
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import datagen
import numpy as np
import pandas as pd
from report import Row, ms

import leaderboard
import submissions
import users
from storage import State


def worker(index: int, count: int, y_test: str, sample: str, state_dir: str, start, results) -> None:
    """Build the competition, wait for the others, then submit `count` files as team number `index`."""
    comp = datagen.build_competition(Path(y_test), Path(sample))
    state, user = State(state_dir), users.User(datagen.team_name(index))
    n = len(comp.target.ids)
    rng = np.random.default_rng(index)
    files = [pd.DataFrame({"id": comp.target.ids, "target": rng.random(n)}).to_csv(index=False).encode()
             for _ in range(count)]
    # warm up (imports, caches) on a scratch directory, so that the burst times only the submissions
    submissions.submit(State(f"{state_dir}-warmup-{index}"), comp, user, "warmup.csv", files[0], datetime.now(UTC))
    start.wait(timeout=300)
    latencies, errors = [], []
    for number, content in enumerate(files):
        began = time.perf_counter()
        try:
            submissions.submit(state, comp, user, f"{number}.csv", content, datetime.now(UTC))
        except Exception as exc:  # counted as lost below, and reported
            errors.append(f"{type(exc).__name__}: {exc}")
        latencies.append(time.perf_counter() - began)
    results.put((index, latencies, errors))


def burst(directory: Path, processes: int, count: int) -> dict:
    """Start `processes` workers together; return the throughput, the latencies and what the log holds."""
    y_test, sample = datagen.small_competition_files(directory)
    state_dir = directory / "state"
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes + 1), context.Queue()
    workers = [context.Process(target=worker, args=(i, count, str(y_test), str(sample), str(state_dir), start,
                                                    results)) for i in range(processes)]
    for process in workers:
        process.start()
    start.wait(timeout=300)  # a worker that failed to start breaks the barrier instead of hanging the run
    began = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - began
    for process in workers:
        process.join()
    latencies = [s for _, times, _ in outcomes for s in times]
    errors = [e for _, _, found in outcomes for e in found]
    return {"made": processes * count, "throughput": processes * count / elapsed, "elapsed": elapsed,
            "latency": statistics.median(latencies), "errors": errors, "check": check(State(state_dir), processes,
                                                                                      count)}


def check(state: State, processes: int, count: int) -> list[str]:
    """Every submission logged once, stored, with unique ids, and counted on leaderboard.csv."""
    problems = []
    log = submissions.read_log(state)
    made = processes * count
    if len(log) != made:
        problems.append(f"the log holds {len(log)} rows for {made} submissions")
    if log["submission_id"].duplicated().any():
        problems.append("repeated submission ids in the log")
    per_team = log["team"].value_counts()
    short = {team: int(per_team.get(team, 0)) for team in map(datagen.team_name, range(processes))
             if per_team.get(team, 0) != count}
    if short:
        problems.append(f"teams with a wrong count of logged submissions: {short}")
    stored = [i for i in log["submission_id"] if state.read_bytes(submissions.stored_file(state, i)) is None]
    if stored:
        problems.append(f"{len(stored)} logged submissions have no stored file")
    board = state.read_csv(leaderboard.FILE)
    counted = int(board.loc[~board["benchmark"].astype(bool), "nb_submissions"].sum()) if board is not None else 0
    if counted != made:
        problems.append(f"leaderboard.csv counts {counted} submissions for {made} made")
    return problems


def run(workdir: Path, processes: int, count: int) -> tuple[list[Row], list[str]]:
    together = burst(workdir / "concurrency-together", processes, count)
    alone = burst(workdir / "concurrency-alone", 1, processes * count)
    problems = [f"concurrency: {p}" for p in together["check"] + together["errors"][:3] + alone["check"]
                + alone["errors"][:3]]
    kept = not together["check"] and not together["errors"]
    rows = [
        Row(f"{processes} processes × {count} submissions at once, one state dir (1,000-row target)",
            f"{together['throughput']:.1f} submissions/s",
            f"1 process × {processes * count}: {alone['throughput']:.1f} submissions/s",
            f"{together['throughput'] / alone['throughput']:.2f}× throughput",
            f"none lost ({together['made']} made)", kept),
        Row(f"(info) latency of one submit() under contention ({processes} processes)", ms(together["latency"]),
            f"alone: {ms(alone['latency'])}", f"{together['latency'] / alone['latency']:.1f}×"),
    ]
    return rows, problems
