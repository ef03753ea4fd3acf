"""Nothing lost: concurrent submissions from processes and threads, and writers killed mid-write."""

import multiprocessing
import os
import random
import signal
import threading
import time

import pandas as pd
import pytest
from conftest import CONFIGS, NOON, degraded

import competition
import controls
import leaderboard
import settings
import submissions
from storage import State
from users import User

WORKERS, PER_WORKER = 8, 50
TEAMS = ["team1", "team2", "team3", "team4"]
FORK = multiprocessing.get_context("fork")


def load_comp(state_dir):
    config = settings.load(CONFIGS["demo"]).replace(MAX_SUBMISSIONS_PER_DAY=10_000)
    return competition.load(config, State(state_dir))


def files(tables, count, seed):
    rng = random.Random(seed)
    return [degraded(tables, rng.randrange(0, 120)) for _ in range(count)]


def submit_many(state_dir, worker, contents, results):
    """Submit each file for a team chosen by turn, recording the public score each receipt gave."""
    comp, state = load_comp(state_dir), State(state_dir)
    for i, content in enumerate(contents):
        team = TEAMS[(worker + i) % len(TEAMS)]
        receipt = submissions.submit(state, comp, User(team), f"w{worker}-{i}.csv", content, NOON)
        results.append((team, receipt.scores.public))


def _process_worker(state_dir, worker, contents, queue):
    results = []
    submit_many(state_dir, worker, contents, results)
    queue.put(results)


def check_nothing_lost(state_dir, results):
    state = State(state_dir)
    log = submissions.read_log(state)
    assert len(log) == WORKERS * PER_WORKER == len(results)
    assert sorted(log["submission_id"]) == list(range(1, len(log) + 1))
    board = pd.read_csv(state.path(leaderboard.FILE)).set_index("id")
    assert board.loc[TEAMS, "nb_submissions"].sum() == WORKERS * PER_WORKER
    sent = pd.DataFrame(results, columns=["team", "score"])
    assert (board.loc[TEAMS, "nb_submissions"] == sent.groupby("team").size()).all()
    assert (board.loc[TEAMS, "score"] == sent.groupby("team")["score"].max()).all()


@pytest.fixture(scope="module")
def contents(demo_tables):
    return [files(demo_tables, PER_WORKER, seed) for seed in range(WORKERS)]


def test_eight_processes_submitting_at_once_lose_nothing(tmp_path, contents):
    load_comp(tmp_path)  # write the demo files once, before the race
    queue = FORK.Queue()
    workers = [FORK.Process(target=_process_worker, args=(tmp_path, w, contents[w], queue)) for w in range(WORKERS)]
    for worker in workers:
        worker.start()
    results = [row for _ in workers for row in queue.get(timeout=300)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    check_nothing_lost(tmp_path, results)


def test_eight_threads_submitting_at_once_lose_nothing(tmp_path, contents):
    load_comp(tmp_path)
    results, errors = [], []

    def run(worker):
        try:
            submit_many(tmp_path, worker, contents[worker], results)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    check_nothing_lost(tmp_path, results)


# -- crash safety -------------------------------------------------------------------------------
def _rewrite_forever(state_dir, versions):
    state = State(state_dir)
    while True:
        for content in versions:
            state.write_bytes("big.csv", content)


def test_a_writer_killed_mid_write_leaves_the_old_or_the_new_content(tmp_path):
    versions = [(f"row,{v}\n" * 200_000).encode() for v in ("a", "b")]  # about 1.4 MB each
    State(tmp_path).write_bytes("big.csv", versions[0])
    rng = random.Random(1)
    for _ in range(30):
        writer = FORK.Process(target=_rewrite_forever, args=(tmp_path, versions))
        writer.start()
        time.sleep(rng.uniform(0.005, 0.15))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        assert State(tmp_path).read_bytes("big.csv") in versions


def _submit_and_toggle_forever(state_dir, contents):
    comp, state = load_comp(state_dir), State(state_dir)
    admin = User("admin", "admin")
    i = 0
    while True:
        submissions.submit(state, comp, User(TEAMS[i % 4]), f"{i}.csv", contents[i % len(contents)], NOON)
        controls.set_paused(state, admin, False)
        i += 1


def test_submitters_killed_at_random_moments_leave_every_state_file_whole(tmp_path, contents):
    comp = load_comp(tmp_path)
    state = State(tmp_path)
    rng = random.Random(2)
    for _ in range(25):
        writer = FORK.Process(target=_submit_and_toggle_forever, args=(tmp_path, contents[0]))
        writer.start()
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        log = submissions.read_log(state)  # parses: never torn
        assert log["submission_id"].tolist() == list(range(1, len(log) + 1))
        for submission_id in log["submission_id"]:  # a logged submission's file was written before its row
            assert state.read_bytes(submissions.stored_file(state, submission_id)) is not None
        board = state.read_bytes(leaderboard.FILE)
        # leaderboard.csv is written right after the log, whole: it is the board of the log as it was after
        # some earlier submission (a kill between the two writes leaves it behind until the next one).
        assert board is None or any(
            board == leaderboard.public(log.iloc[:n], comp.settings).to_csv(index=False).encode()
            for n in range(len(log), 0, -1))
        assert controls.read(state)["paused"] is False
    assert len(submissions.read_log(state)) > 0
