"""Proven in a real browser: Chromium drives one real Streamlit server through the journeys people make.

- A visitor reads Overview, Data and Evaluation and downloads exactly the four public files, intact.
- A participant's upload is scored on the public rows only, and the team appears on the leaderboard at its rank.
- A broken upload shows what is wrong and leaves the leaderboard and the daily count unchanged.
- While the admin has paused the datathon, uploads are refused; once resumed, they are scored.
- No page ever shows a traceback (checked after every page and every upload).

README screenshots: `make screenshots` (DATATHON_SCREENSHOTS=docs/screenshots, -k readme_screenshots).
"""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import conftest
import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect
from sklearn.metrics import average_precision_score

import competition
import controls
import settings
import submissions
import users
from storage import State

if TYPE_CHECKING:  # the module itself is loaded by pytest_plugins, so that pytest rewrites it first
    from browser_support import App

pytest_plugins = ["browser_support"]
pytestmark = pytest.mark.browser

PUBLIC_DOWNLOADS = ("X_train.csv", "y_train.csv", "X_test.csv", "sample_submission.csv")


@pytest.fixture(scope="session")
def reference(tmp_path_factory) -> competition.Competition:
    """The demo competition loaded in the test process: its target's ids and public rows give expected scores."""
    return competition.load(settings.load(conftest.CONFIGS["demo"]), State(tmp_path_factory.mktemp("reference")))


def predictions(tables, noise: float, seed: int) -> bytes:
    """A plausible, imperfect predictions file: the truth blurred by noise, rows shuffled."""
    truth = tables["y_test.csv"]
    rng = np.random.default_rng(seed)
    values = np.clip(truth["target"].to_numpy(dtype=float) + rng.normal(0, noise, len(truth)), 0, 1)
    frame = pd.DataFrame({"id": truth["id"].to_numpy(), "target": values}).sample(frac=1, random_state=seed)
    return frame.to_csv(index=False).encode()


def expected_public_score(comp: competition.Competition, content: bytes, rows: np.ndarray | None = None) -> float:
    """What the leaderboard must show: average precision on the public test rows only (or on `rows`)."""
    target = comp.target
    rows = target.public if rows is None else rows
    predicted = pd.read_csv(io.BytesIO(content)).set_index("id").loc[target.ids, "target"].to_numpy()
    return float(average_precision_score(target.values[rows], predicted[rows]))


def file_with(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def shown_score(app: App) -> str:
    """Wait for the Submit page's 'Your score: <value>' and return the value as shown."""
    alert = app.alert("Success", re.compile(r"^Your score: "))
    expect(alert).to_be_visible()
    app.settle()
    return re.fullmatch(r"Your score: (\S+)", alert.inner_text().strip()).group(1)


def same_to_six_digits(shown: str, expected: float) -> bool:
    return f"{float(shown):.6g}" == f"{expected:.6g}"


def team_row(app: App, team: str) -> dict[str, str]:
    rows = [row for row in app.table_rows() if row["id"] == team]
    assert len(rows) == 1, f"{team} should have exactly one leaderboard row: {app.table_rows()}"
    return rows[0]


def best_public_scores(state_dir: Path) -> pd.DataFrame:
    """Each team's best public score and the submission that first reached it, from the server's submissions.csv."""
    log = pd.read_csv(state_dir / submissions.LOG)
    scored = log[log["status"] == "scored"].sort_values(["public_score", "submission_id"], ascending=[False, True])
    return scored.drop_duplicates("team").set_index("team")[["public_score", "submission_id"]]


def expected_rank(state_dir: Path, team: str) -> int:
    """1 + the teams ahead: a better best score, or the same one reached earlier (greater is better in the demo)."""
    best = best_public_scores(state_dir)
    mine, others = best.loc[team], best.drop(team)
    ahead = (others["public_score"] > mine["public_score"]) | (
        (others["public_score"] == mine["public_score"]) & (others["submission_id"] < mine["submission_id"]))
    return 1 + int(ahead.sum())


# -- the journeys -------------------------------------------------------------------------------------
def test_visitor_reads_the_pages_and_downloads_exactly_the_public_files(open_app, demo_tables, tmp_path):
    app = open_app("visitor")
    config = settings.load(conftest.CONFIGS["demo"])
    headline = next(line[2:] for line in config.context_markdown.splitlines() if line.startswith("# "))
    expect(app.main.get_by_role("heading", name=headline)).to_be_visible()

    app.go("Data")
    buttons = app.main.get_by_role("button", name=re.compile(r"^Download "))
    expect(buttons).to_have_text([f"Download {name}" for name in PUBLIC_DOWNLOADS])
    hidden = demo_tables["y_test.csv"]
    for name in PUBLIC_DOWNLOADS:
        with app.page.expect_download() as download_info:
            app.main.get_by_role("button", name=f"Download {name}", exact=True).click()
        download = download_info.value
        assert download.suggested_filename == name
        saved = tmp_path / name
        download.save_as(saved)
        got = pd.read_csv(saved, float_precision="round_trip")
        pd.testing.assert_frame_equal(got, demo_tables[name].reset_index(drop=True), check_dtype=False)
        assert not (got.shape == hidden.shape and got.equals(hidden.reset_index(drop=True))), \
            f"{name} is the hidden target"
        app.assert_no_exception()

    app.go("Evaluation")
    expect(app.main.get_by_text("average_precision_score").first).to_be_visible()
    expect(app.main.get_by_text(re.compile(r"Metric: .*greater is better"))).to_be_visible()


def test_participant_upload_is_scored_on_public_rows_and_ranked_on_the_leaderboard(
        open_app, demo_tables, reference, app_server, tmp_path):
    app = open_app("team1").log_in("team1", conftest.TEAMS["team1"])
    app.go("Submit")
    left = app.submissions_left()
    content = predictions(demo_tables, noise=0.5, seed=5)
    expected = expected_public_score(reference, content)
    every_row = expected_public_score(reference, content, rows=np.ones(len(reference.target.ids), dtype=bool))
    assert f"{every_row:.6g}" != f"{expected:.6g}", "the file must tell the public score from the all-rows score"

    app.upload(file_with(tmp_path, "predictions.csv", content))
    shown = shown_score(app)
    app.shot("scored")
    assert same_to_six_digits(shown, expected), f"shown {shown}, public-rows score {expected:.6g}"
    assert app.submissions_left() == left - 1

    app.go("Leaderboard")
    row = team_row(app, "team1")
    assert row["score"] == shown
    assert row["rank"] == str(expected_rank(app_server.state_dir, "team1"))
    log = pd.read_csv(app_server.state_dir / submissions.LOG)
    assert int(row["nb_submissions"]) == int(((log["team"] == "team1") & (log["status"] == "scored")).sum())


def test_broken_upload_shows_the_problem_and_leaves_the_leaderboard_unchanged(
        open_app, demo_tables, reference, tmp_path):
    app = open_app("team1").log_in("team1", conftest.TEAMS["team1"])
    app.go("Leaderboard")
    board_before = app.table_rows()
    app.go("Submit")
    left = app.submissions_left()
    frame = pd.read_csv(io.BytesIO(predictions(demo_tables, noise=0.2, seed=2)))
    missing = sorted(reference.target.ids)[:3]
    broken = frame[~frame["id"].isin(missing)].to_csv(index=False).encode()

    app.upload(file_with(tmp_path, "broken.csv", broken))
    n = len(reference.target.ids)
    error = app.alert("Error", f"Missing id(s): {', '.join(map(str, missing))} (3 of {n} missing)")
    expect(error).to_be_visible()
    app.settle()
    app.shot("refused")
    expect(app.alert("Success", "Your score:")).to_have_count(0)
    assert app.submissions_left() == left

    app.go("Leaderboard")
    assert app.table_rows() == board_before


def test_admin_pause_refuses_uploads_until_resumed(open_app, demo_tables, reference, app_server, tmp_path):
    participant = open_app("team2").log_in("team2", conftest.TEAMS["team2"])
    participant.go("Submit")
    left = participant.submissions_left()
    admin = open_app("admin").log_in(*conftest.ADMIN)
    switch = admin.switch("Pause Datathon")
    expect(switch).not_to_be_checked()
    state = State(app_server.state_dir)
    try:
        admin.flip("Pause Datathon")
        expect(admin.sidebar.get_by_text("The challenge is paused")).to_be_visible()
        admin.settle()
        expect(switch).to_be_checked()
        admin.shot("paused")

        participant.upload(file_with(tmp_path, "while-paused.csv", predictions(demo_tables, noise=0.3, seed=3)))
        expect(participant.alert("Error", re.compile(r"paused", re.IGNORECASE))).to_be_visible()
        participant.settle()
        participant.shot("refused-while-paused")
        expect(participant.alert("Success", "Your score:")).to_have_count(0)
        assert participant.submissions_left() == left

        admin.flip("Pause Datathon")
        expect(admin.sidebar.get_by_text("The challenge is paused")).to_have_count(0)
        admin.settle()
        expect(switch).not_to_be_checked()

        content = predictions(demo_tables, noise=0.7, seed=5)
        participant.upload(file_with(tmp_path, "after-resume.csv", content))
        assert same_to_six_digits(shown_score(participant), expected_public_score(reference, content))
        expect(participant.alert("Error", re.compile(r"paused", re.IGNORECASE))).to_have_count(0)
        participant.shot("scored-after-resume")
        assert participant.submissions_left() == left - 1
    finally:  # never leave the shared server paused for the other tests
        if controls.is_paused(state):
            controls.set_paused(state, users.find(state, "admin"), False)


def test_readme_screenshots_of_a_scored_upload_and_the_leaderboard(open_app, demo_tables, reference, app_server,
                                                                   shots_dir, tmp_path):
    """Writes docs/screenshots/{submit,leaderboard}.png when DATATHON_SCREENSHOTS names a directory."""
    target = os.environ.get("DATATHON_SCREENSHOTS")
    directory, prefix = (Path(target).resolve(), "") if target else (shots_dir, "readme-")
    state = State(app_server.state_dir)
    others = set(best_public_scores(app_server.state_dir).index) if state.path(submissions.LOG).exists() else set()
    rivals = [("team1", 0.5, 5), ("team2", 0.7, 5)]  # as in the journeys above, when those did not run
    earlier = [*(r for r in rivals if r[0] not in others), ("team3", 0.9, 3)]
    for hours_ago, (team, noise, seed) in zip(range(len(earlier), 0, -1), earlier, strict=True):
        when = datetime.now(UTC) - timedelta(hours=hours_ago)  # spread over the afternoon, for a readable chart
        submissions.submit(state, reference, users.find(state, team), "first-try.csv",
                           predictions(demo_tables, noise=noise, seed=seed), when)

    app = open_app("team3").log_in("team3", conftest.TEAMS["team3"])
    app.go("Submit")
    content = predictions(demo_tables, noise=0.35, seed=3)
    app.upload(file_with(tmp_path, "predictions.csv", content))
    shown = shown_score(app)
    assert same_to_six_digits(shown, expected_public_score(reference, content))
    app.shot("Submit", directory / f"{prefix}submit.png")

    app.go("Leaderboard")
    assert team_row(app, "team3")["score"] == shown
    expect(app.main.get_by_test_id("stVegaLiteChart").locator(".marks")).to_be_visible()
    app.shot("Leaderboard", directory / f"{prefix}leaderboard.png")


@pytest.mark.browser
@pytest.mark.parametrize("path", ["users.csv", "y_test.csv", "data/demo/y_test.csv", "app/static/users.csv",
                                  "static/y_test.csv", "submissions.csv", "login_attempts.json"])
def test_the_server_never_serves_state_files(app_server, demo_tables, path):
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{app_server.url}/{path}", timeout=10) as response:
            body = response.read()
    except urllib.error.HTTPError as error:  # a refusal is fine too
        body = error.read()
    assert b"scrypt$" not in body and b"password" not in body.lower()
    assert demo_tables["y_test.csv"].to_csv(index=False).encode() not in body
    assert b"<html" in body.lower() or not body  # Streamlit's single-page shell, or nothing
