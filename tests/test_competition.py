"""A real competition: public/private split, final picks, schedule, limits, exclusion, rescoring, rebuild."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from conftest import CONFIGS, NOON, degraded, go, log_in, submission, texts, upload

import competition
import controls
import leaderboard
import settings
import submissions
from errors import InvalidSubmission, NotAuthorised, SubmissionRefused
from scoring import format_score
from storage import State
from users import User

ADMIN = User("admin", "admin")


def submit(state, comp, team, content, when=NOON, name="p.csv"):
    return submissions.submit(state, comp, User(team), name, content, when)


# -- the split ----------------------------------------------------------------------------------
def test_split_is_deterministic_and_covers_every_row_once():
    first, again = competition.split(1000, 0.3, seed=5), competition.split(1000, 0.3, seed=5)
    assert np.array_equal(first, again)
    assert first.sum() == 300 and (~first).sum() == 700  # each row in exactly one part
    assert not np.array_equal(first, competition.split(1000, 0.3, seed=6))


def test_split_keeps_at_least_one_row_on_each_side_and_one_means_public_only():
    assert competition.split(3, 0.01, 0).sum() == 1
    assert competition.split(3, 0.99, 0).sum() == 2
    assert competition.split(3, 1.0, 0).all()


def test_a_usage_column_in_the_target_decides_each_rows_part():
    truth = pd.DataFrame({"id": [3, 1, 2, 4], "target": [1, 0, 1, 0],
                          "Usage": ["Public", "Private", "private", "PUBLIC"]})
    target = competition.build_target(truth, ["id", "target"], 0.3, 0)
    assert target.ids.tolist() == [1, 2, 3, 4]
    assert target.public.tolist() == [False, False, True, True]


def test_every_submission_is_scored_on_both_parts(state, comp, demo_tables):
    receipt = submit(state, comp, "team1", degraded(demo_tables, 50))
    logged = submissions.read_log(state).iloc[0]
    assert (logged["public_score"], logged["private_score"]) == (receipt.scores.public, receipt.scores.private)
    assert receipt.scores.public != receipt.scores.private


# -- final picks --------------------------------------------------------------------------------
def log_of(rows, selected=()):
    """A log from (team, public, private) rows, ids in order."""
    frame = pd.DataFrame(rows, columns=["team", "public_score", "private_score"])
    frame.insert(0, "submission_id", np.arange(1, len(frame) + 1))
    frame["submitted_at"] = [submissions.timestamp(NOON + timedelta(minutes=i)) for i in range(len(frame))]
    frame["filename"], frame["sha256"], frame["status"] = "f.csv", "x", submissions.SCORED
    frame["selected"] = frame["submission_id"].isin(selected)
    return frame[submissions.COLUMNS]


def test_without_picks_a_team_is_ranked_by_its_best_public_submissions(demo_settings):
    log = log_of([("team1", 0.90, 0.50), ("team1", 0.95, 0.60), ("team1", 0.80, 0.99), ("team2", 0.85, 0.70)])
    board = leaderboard.private(log, demo_settings.replace(BENCHMARK_SCORE=None)).set_index("id")
    assert board.loc["team1", "score"] == 0.60  # best private among its 2 best public (0.95, 0.90), not 0.99
    assert board.loc["team2", "score"] == 0.70
    assert board["rank"].to_dict() == {"team2": 1, "team1": 2}
    assert board.loc["team1", "public_rank"] == 1 and board.loc["team1", "change"] == -1


def test_with_picks_a_team_is_ranked_by_the_best_private_score_among_them(demo_settings):
    log = log_of([("team1", 0.90, 0.50), ("team1", 0.95, 0.60), ("team1", 0.80, 0.99)], selected=[1, 3])
    board = leaderboard.private(log, demo_settings.replace(BENCHMARK_SCORE=None))
    assert board.loc[board["id"] == "team1", "score"].item() == 0.99


def test_if_the_pick_limit_is_lowered_later_only_the_earliest_picks_count(demo_settings):
    log = log_of([("team1", 0.90, 0.50), ("team1", 0.95, 0.60), ("team1", 0.80, 0.99)], selected=[1, 3])
    board = leaderboard.private(log, demo_settings.replace(BENCHMARK_SCORE=None, MAX_SELECTED_SUBMISSIONS=1))
    assert board.loc[board["id"] == "team1", "score"].item() == 0.50


def test_a_team_picks_at_most_the_allowed_number_of_its_own_submissions(state, comp, demo_tables):
    for flips in (10, 20, 30):
        submit(state, comp, "team1", degraded(demo_tables, flips))
    submit(state, comp, "team2", degraded(demo_tables, 5))
    with pytest.raises(SubmissionRefused, match="at most 2"):
        submissions.select_finals(state, comp.settings, User("team1"), [1, 2, 3], NOON)
    with pytest.raises(SubmissionRefused, match=r"\[4\] are not your team's"):
        submissions.select_finals(state, comp.settings, User("team1"), [1, 4], NOON)
    submissions.select_finals(state, comp.settings, User("team1"), [1, 3], NOON)
    submissions.select_finals(state, comp.settings, User("team1"), [2], NOON)  # replaces earlier picks
    assert submissions.read_log(state)["selected"].tolist() == [False, True, False, False]


# -- schedule and limits -------------------------------------------------------------------------
@pytest.fixture
def scheduled(comp):
    return competition.Competition(comp.settings.replace(START=NOON, END=NOON + timedelta(days=2)), comp.target)


def test_uploads_are_refused_before_the_start_with_the_time_shown(state, scheduled, demo_tables):
    with pytest.raises(SubmissionRefused, match="opens at 2026-06-01 12:00 UTC"):
        submit(state, scheduled, "team1", submission(demo_tables), NOON - timedelta(seconds=1))
    submit(state, scheduled, "team1", submission(demo_tables), NOON)


def test_uploads_are_refused_after_the_end_with_the_time_shown(state, scheduled, demo_tables):
    submit(state, scheduled, "team1", submission(demo_tables), NOON + timedelta(days=2, seconds=-1))
    with pytest.raises(SubmissionRefused, match="closed at 2026-06-03 12:00 UTC"):
        submit(state, scheduled, "team1", submission(demo_tables), NOON + timedelta(days=2))


def test_the_daily_limit_counts_per_team_and_resets_at_midnight_utc(state, comp, demo_tables):
    for minute in range(5):
        submit(state, comp, "team1", degraded(demo_tables, minute), NOON + timedelta(minutes=minute))
    quota = submissions.quota(comp.settings, submissions.read_log(state), "team1", NOON)
    assert (quota.used_today, quota.left_today) == (5, 0)
    assert quota.resets_at.isoformat() == "2026-06-02T00:00:00+00:00"
    with pytest.raises(SubmissionRefused, match="used its 5 submissions for today. The count resets at "
                                                "2026-06-02 00:00 UTC"):
        submit(state, comp, "team1", submission(demo_tables), NOON + timedelta(hours=11, minutes=59))
    submit(state, comp, "team2", submission(demo_tables), NOON + timedelta(hours=1))  # other teams unaffected
    submit(state, comp, "team1", submission(demo_tables), NOON + timedelta(hours=12))  # 00:00 UTC next day


def test_an_invalid_file_does_not_count_toward_the_limit(state, comp, demo_tables):
    for _ in range(3):
        with pytest.raises(InvalidSubmission):
            submit(state, comp, "team1", b"id,target\n1,x\n")
    assert submissions.quota(comp.settings, submissions.read_log(state), "team1", NOON).used_today == 0


def test_the_total_limit_holds_across_days(state, comp, demo_tables):
    limited = competition.Competition(comp.settings.replace(MAX_SUBMISSIONS_TOTAL=2), comp.target)
    submit(state, limited, "team1", submission(demo_tables), NOON)
    submit(state, limited, "team1", submission(demo_tables), NOON + timedelta(days=1))
    with pytest.raises(SubmissionRefused, match="all 2 submissions allowed"):
        submit(state, limited, "team1", submission(demo_tables), NOON + timedelta(days=2))


def test_admins_do_not_submit(state, comp, demo_tables):
    with pytest.raises(SubmissionRefused, match="log in as a team"):
        submissions.submit(state, comp, ADMIN, "p.csv", submission(demo_tables), NOON)


def test_a_visitor_cannot_submit(state, comp, demo_tables):
    with pytest.raises(NotAuthorised):
        submissions.submit(state, comp, None, "p.csv", submission(demo_tables), NOON)


# -- leaderboard rules ----------------------------------------------------------------------------
def test_equal_scores_rank_the_team_that_reached_it_first_higher(state, comp, demo_tables):
    submit(state, comp, "team2", submission(demo_tables), NOON)
    submit(state, comp, "team1", submission(demo_tables), NOON + timedelta(minutes=1))
    submit(state, comp, "team2", submission(demo_tables), NOON + timedelta(minutes=2))  # same score again
    board = leaderboard.public(submissions.read_log(state), comp.settings)
    assert board.loc[~board["benchmark"], "id"].tolist() == ["team2", "team1"]


def test_excluded_submissions_leave_the_rankings_and_come_back(state, comp, demo_tables):
    submit(state, comp, "team1", submission(demo_tables))
    submit(state, comp, "team1", degraded(demo_tables, 60))
    best = leaderboard.public(submissions.read_log(state), comp.settings).set_index("id").loc["team1"]
    submissions.set_excluded(state, comp.settings, ADMIN, 1, True)
    log = submissions.read_log(state)
    assert log["status"].tolist() == ["excluded", "scored"] and len(log) == 2
    excluded = leaderboard.public(log, comp.settings).set_index("id").loc["team1"]
    assert excluded["score"] < best["score"] and excluded["nb_submissions"] == 1
    submissions.set_excluded(state, comp.settings, ADMIN, 1, False)
    restored = leaderboard.public(submissions.read_log(state), comp.settings).set_index("id").loc["team1"]
    assert restored["score"] == best["score"]
    with pytest.raises(NotAuthorised):
        submissions.set_excluded(state, comp.settings, User("team1"), 2, True)


def test_rescoring_after_a_target_correction_changes_scores_and_keeps_history(state, comp, demo_tables):
    submit(state, comp, "team1", submission(demo_tables), name="first.csv")
    submit(state, comp, "team2", degraded(demo_tables, 30), name="second.csv")
    submissions.select_finals(state, comp.settings, User("team1"), [1], NOON)
    before = submissions.read_log(state)
    truth = demo_tables["y_test.csv"].copy()
    truth.loc[truth.index[:40], "target"] = 1 - truth.loc[truth.index[:40], "target"]  # the corrected target
    corrected = competition.Competition(comp.settings, competition.build_target(
        truth, ["id", "target"], comp.settings.PUBLIC_FRACTION, comp.settings.SPLIT_SEED))
    progress = []
    submissions.rescore(state, corrected, ADMIN, progress=lambda done, total: progress.append((done, total)))
    after = submissions.read_log(state)
    assert progress == [(1, 2), (2, 2)]
    assert after["public_score"].iloc[0] < 1.0 and after["public_score"].iloc[0] != before["public_score"].iloc[0]
    keep = ["submission_id", "team", "submitted_at", "filename", "sha256", "selected", "status"]
    assert after[keep].equals(before[keep])
    assert submissions.read_log(state).equals(after)
    assert state.read_csv(f"{submissions.LOG}.before-rescore.csv") is not None
    with pytest.raises(NotAuthorised):
        submissions.rescore(state, corrected, User("team1"))


def test_rebuild_gives_the_same_leaderboard_as_the_live_one(state, comp, demo_tables):
    for i, team in enumerate(["team1", "team2", "team1", "team3"]):
        submit(state, comp, team, degraded(demo_tables, 10 * i), NOON + timedelta(minutes=i))
    live = state.read_bytes(leaderboard.FILE)
    state.path(leaderboard.FILE).unlink()
    leaderboard.rebuild(state, comp.settings)
    assert state.read_bytes(leaderboard.FILE) == live


# -- the private leaderboard stays private ---------------------------------------------------------
def test_a_participant_never_sees_a_private_score_before_the_reveal(app, demo_tables, tmp_path):
    at = log_in(app(), "team1")
    state = State(tmp_path / "app-state")
    comp = competition.load(settings.load(CONFIGS["demo"]), state)
    truth = demo_tables["y_test.csv"]
    on_private = ~np.isin(truth["id"], comp.target.ids[comp.target.public])
    wrong = on_private & (np.arange(len(truth)) % 3 == 0)  # errors only where the public score cannot see them
    upload(at, submission(demo_tables, np.where(wrong, 1 - truth["target"], truth["target"]).astype(float)))
    logged = submissions.read_log(state)
    private = logged["private_score"].item()
    assert logged["public_score"].item() == 1.0 and private < 1.0
    secrets = {format_score(private), str(private), f"{private:.4f}", f"{private:.3f}"}
    for page in ("overview", "data", "evaluation", "submit", "board", "my_submissions"):
        shown = "\n".join(texts(go(at, page)))
        assert shown and not any(secret in shown for secret in secrets), page

    controls.set_private_revealed(state, ADMIN, True)
    tables = go(at, "board").table
    private_board = tables[1].value
    assert private_board.loc[private_board["id"] == "team1", "score"].item() == format_score(private)


def test_the_private_board_is_revealed_by_the_admin_or_at_the_end(state):
    end = NOON + timedelta(hours=1)
    assert not controls.is_private_revealed(state, end, NOON)
    assert controls.is_private_revealed(state, end, end)
    assert not controls.is_private_revealed(state, None, end)
    controls.set_private_revealed(state, ADMIN, True)
    assert controls.is_private_revealed(state, end, NOON)


def test_final_picks_are_locked_once_the_private_board_is_out(state, comp, demo_tables):
    submit(state, comp, "team1", degraded(demo_tables, 10))
    submit(state, comp, "team1", degraded(demo_tables, 20))
    ended = comp.settings.replace(END=NOON + timedelta(hours=1))
    submissions.select_finals(state, ended, User("team1"), [1], NOON)
    with pytest.raises(SubmissionRefused, match="final picks can no longer change"):
        submissions.select_finals(state, ended, User("team1"), [2], NOON + timedelta(hours=1))
    controls.set_private_revealed(state, ADMIN, True)
    with pytest.raises(SubmissionRefused, match="final picks can no longer change"):
        submissions.select_finals(state, comp.settings, User("team1"), [2], NOON)
    assert submissions.read_log(state)["selected"].tolist() == [True, False]


def test_appending_to_the_log_writes_what_rewriting_it_would(state, comp, demo_tables):
    for flips in (0, 13, 27):
        submit(state, comp, "team1", degraded(demo_tables, flips), name=f"a,{flips}.csv")
    log = submissions.read_log(state)
    assert state.read_bytes(submissions.LOG) == log.to_csv(index=False).encode()
