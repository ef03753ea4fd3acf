"""The main journeys, driven through the real script with AppTest, on two competitions."""

import pytest
from conftest import TEAMS, another_session, board, degraded, go, log_in, messages, submission, upload

import leaderboard
import settings
import submissions
from app_pages.shared import plain
from storage import State

PAGES = {"overview": "Overview", "data": "Data", "evaluation": "Evaluation", "submit": "Submit",
         "board": "Leaderboard"}


def team_row(at, team):
    table = board(at)
    rows = table[table["id"] == team]
    assert len(rows) == 1, table
    return rows.iloc[0]


def score_shown(at) -> str:
    (success,) = [m for m in messages(at, "success") if m.startswith("Your score: ")]
    return success.removeprefix("Your score: ")


@pytest.mark.parametrize("page, title", PAGES.items())
def test_every_page_renders_for_a_visitor_without_error(app, page, title):
    at = go(app(), page)
    assert not at.exception
    assert at.title[0].value == title


def nav_titles(at) -> list[str]:
    return [page["page_name"] for page in at._registered_pages.values()]


def test_navigation_shows_the_original_pages_to_a_visitor(app):
    assert nav_titles(app()) == ["Overview", "Data", "Evaluation", "Submit", "Leaderboard"]


def test_navigation_adds_my_submissions_for_a_team_and_admin_only_for_admins(app):
    at = log_in(app(), "team1")
    assert nav_titles(at) == ["Overview", "Data", "Evaluation", "Submit", "Leaderboard", "My submissions"]
    with pytest.raises(ValueError):
        at.switch_page("app_pages/admin.py")
    next(b for b in at.sidebar.button if b.label == "Log out").click()
    at = log_in(at.run(), "admin")
    assert nav_titles(at)[-1] == "Admin"


def test_admin_sees_admin_page_and_pause_toggle(app):
    at = log_in(app(), "admin")
    assert [t.label for t in at.sidebar.toggle] == ["Pause Datathon"]
    assert go(at, "admin").title[0].value == "Admin"


def test_participant_has_no_pause_toggle(app):
    at = log_in(app(), "team1")
    assert [t.label for t in at.sidebar.toggle] == []


def test_wrong_password_shows_an_error_and_stays_logged_out(app):
    at = log_in(app(), "team1", "not-the-password")
    assert "Wrong login or password." in messages(at, "error")
    assert [b.label for b in at.sidebar.button] == ["Log in"]


def test_log_in_then_log_out(app):
    at = log_in(app(), "team1")
    assert any("Logged in as" in m.value for m in at.sidebar.markdown)
    next(b for b in at.sidebar.button if b.label == "Log out").click()
    at.run()
    assert [b.label for b in at.sidebar.button] == ["Log in"]


def test_visitor_is_asked_to_log_in_before_submitting(app):
    at = go(app(), "submit")
    assert not at.file_uploader
    assert any("Log in" in m for m in messages(at, "info"))


@pytest.mark.parametrize("config", ["demo", "lower"])
def test_first_submission_is_scored_and_counted_once(app, demo_tables, config):
    at = log_in(app(config), "team1")
    at = upload(at, degraded(demo_tables, 30))
    shown = score_shown(at)
    assert len(shown.replace(".", "").lstrip("0")) >= 6  # six significant digits
    row = team_row(at, "team1")
    assert (row["rank"], row["nb_submissions"], row["score"]) == ("1", "1", shown)


@pytest.mark.parametrize("config", ["demo", "lower"])
def test_better_file_raises_the_score_and_worse_keeps_the_best_but_counts(app, demo_tables, config):
    at = log_in(app(config), "team1")
    first = score_shown(upload(at, degraded(demo_tables, 40)))
    best = score_shown(upload(at, degraded(demo_tables, 10)))
    assert best != first
    assert team_row(at, "team1")["score"] == best
    worse = score_shown(upload(at, degraded(demo_tables, 60)))
    row = team_row(at, "team1")
    assert (row["score"], row["nb_submissions"]) == (best, "3")
    assert worse not in (best,)


@pytest.mark.parametrize("config", ["demo", "lower"])
def test_leaderboard_sorts_by_the_configured_direction(app, demo_tables, config):
    at = log_in(app(config), "team1")
    upload(at, degraded(demo_tables, 50))
    next(b for b in at.sidebar.button if b.label == "Log out").click()
    at = log_in(at.run(), "team2")
    upload(at, submission(demo_tables))  # perfect: best in both directions
    table = board(at)
    teams = table[table["id"] != "benchmark"]
    assert teams["id"].tolist() == ["team2", "team1"]
    assert teams["rank"].tolist() == ["1", "2"]
    scores = [float(s) for s in teams["score"]]
    assert scores == sorted(scores, reverse=config == "demo")


def test_benchmark_row_is_shown_and_marked_without_a_rank(app):
    table = board(app())
    bench = table[table["id"] == "benchmark"].iloc[0]
    assert (bench["rank"], bench["score"]) == ("", "0.900000")


@pytest.mark.parametrize("config", ["demo", "lower"])
def test_invalid_file_shows_an_error_and_changes_nothing(app, demo_tables, config, tmp_path):
    at = log_in(app(config), "team1")
    upload(at, submission(demo_tables))
    state = State(tmp_path / "app-state")
    before = {name: state.read_bytes(name) for name in ("submissions.csv", "leaderboard.csv")}
    broken = submission(demo_tables).replace(b"id,target", b"id,prediction")
    at = upload(at, broken, "broken.csv")
    assert any("Wrong header" in m for m in messages(at, "error"))
    assert not messages(at, "success")
    assert {name: state.read_bytes(name) for name in before} == before
    assert team_row(at, "team1")["nb_submissions"] == "1"


def test_a_file_stays_scored_once_across_reruns(app, demo_tables, tmp_path):
    at = log_in(app(), "team1")
    upload(at, submission(demo_tables))
    at.run()
    go(at, "submit")
    go(at, "board")
    assert len(submissions.read_log(State(tmp_path / "app-state"))) == 1


@pytest.mark.parametrize("config", ["demo", "lower"])
def test_admin_pause_refuses_uploads_until_resumed(app, demo_tables, config):
    admin = log_in(app(config), "admin")
    admin.sidebar.toggle[0].set_value(True).run()
    assert admin.sidebar.toggle[0].value is True

    team = log_in(another_session(admin), "team1")
    assert any("paused" in m for m in messages(go(team, "submit"), "warning"))
    team = upload(team, submission(demo_tables))
    assert any("paused" in m for m in messages(team, "error"))
    assert not messages(team, "success")
    assert board(team)["id"].tolist() == ["benchmark"]  # leaderboard still visible, nothing recorded

    admin.run()
    admin.sidebar.toggle[0].set_value(False).run()
    team = upload(team, submission(demo_tables, shuffle_seed=3), "again.csv")
    assert score_shown(team) == "1.00000" if config == "demo" else score_shown(team) == "0.00000"


def test_pause_survives_a_restart(app):
    admin = log_in(app(), "admin")
    admin.sidebar.toggle[0].set_value(True).run()
    fresh = log_in(another_session(admin), "admin")
    assert fresh.sidebar.toggle[0].value is True


def test_leaderboard_can_be_restricted_to_logged_in_users(app, tmp_path, monkeypatch):
    config = tmp_path / "private_board.py"
    config.write_text((settings.ROOT / "config.py").read_text() + "\nLEADERBOARD_PUBLIC = False\n")
    monkeypatch.setenv("DATATHON_CONFIG", str(config))
    at = app()
    monkeypatch.setenv("DATATHON_CONFIG", str(config))
    at = go(another_session(at), "board")
    assert not at.table and any("Log in" in m for m in messages(at, "info"))
    at = go(log_in(at, "team1"), "board")
    assert at.table


def test_leaderboard_csv_keeps_the_original_columns(app, demo_tables, tmp_path):
    at = log_in(app(), "team1")
    upload(at, submission(demo_tables))
    written = State(tmp_path / "app-state").read_csv(leaderboard.FILE)
    assert {"id", "score", "nb_submissions", "rank"} <= set(written.columns)
    assert written.loc[written["id"] == "team1", "nb_submissions"].item() == 1


def test_data_page_offers_the_public_files_but_never_the_target(app):
    at = go(app(), "data")
    labels = [b.label for b in at.download_button]
    assert labels == ["Download X_train.csv", "Download y_train.csv", "Download X_test.csv",
                      "Download sample_submission.csv"]
    assert not any("y_test" in label for label in labels)


def test_every_team_in_the_fixture_can_log_in(app):
    at = app()
    for team in TEAMS:
        at = log_in(at, team)
        assert any(team in m.value for m in at.sidebar.markdown)
        next(b for b in at.sidebar.button if b.label == "Log out").click()
        at.run()


def log_out(at):
    next(b for b in at.sidebar.button if b.label == "Log out").click()
    return at.run()


def test_admin_excludes_and_restores_a_submission_from_the_admin_page(app, demo_tables):
    at = log_in(app(), "team1")
    upload(at, submission(demo_tables))
    upload(at, degraded(demo_tables, 60))
    at = log_in(log_out(at), "admin")
    go(at, "admin")
    at.number_input[0].set_value(1)
    next(b for b in at.button if b.label == "Exclude").click()
    at.run()
    assert team_row(at, "team1")["nb_submissions"] == "1"
    go(at, "admin")
    at.number_input[0].set_value(1)
    next(b for b in at.button if b.label == "Restore").click()
    at.run()
    assert team_row(at, "team1")[["score", "nb_submissions"]].tolist() == ["1.00000", "2"]


def test_admin_adds_a_team_who_can_then_log_in(app):
    at = go(log_in(app(), "admin"), "admin")
    next(t for t in at.text_input if t.label == "New team login").input("team9")
    next(b for b in at.button if b.label == "Add team").click()
    at.run()
    sheet = at.code[0].value.splitlines()
    login, password = sheet[1].split(",")
    assert login == "team9"
    at = log_in(log_out(at), "team9", password)
    assert any("team9" in m.value for m in at.sidebar.markdown)


def test_admin_reveals_the_private_leaderboard(app, demo_tables):
    at = log_in(app(), "team1")
    upload(at, degraded(demo_tables, 30))
    assert len(go(at, "board").table) == 1
    admin = go(log_in(another_session(at), "admin"), "admin")
    next(t for t in admin.toggle if t.label == "Reveal the private leaderboard").set_value(True).run()
    tables = go(at, "board").table
    assert len(tables) == 2
    assert list(tables[1].value.columns) == ["rank", "id", "score", "public_rank", "change"]


def test_admin_rescore_keeps_every_submission(app, demo_tables, tmp_path):
    at = log_in(app(), "team1")
    upload(at, degraded(demo_tables, 30))
    at = go(log_in(log_out(at), "admin"), "admin")
    next(b for b in at.button if b.label == "Rescore every submission").click()
    at.run()
    assert "Every submission was rescored." in messages(at, "success")
    assert len(submissions.read_log(State(tmp_path / "app-state"))) == 1


def test_a_team_picks_its_final_submissions_on_my_submissions(app, demo_tables, tmp_path):
    at = log_in(app(), "team1")
    for flips in (10, 20, 30):
        upload(at, degraded(demo_tables, flips), f"f{flips}.csv")
    go(at, "my_submissions")
    assert at.table[0].value["file"].tolist() == [plain(f"f{n}.csv") for n in (30, 20, 10)]
    at.multiselect[0].set_value([1, 3])
    next(b for b in at.button if b.label == "Save final picks").click()
    at.run()
    assert "Final picks saved." in messages(at, "success")
    assert submissions.read_log(State(tmp_path / "app-state"))["selected"].tolist() == [True, False, True]
    fresh = go(log_in(another_session(at), "team1"), "my_submissions")
    assert sorted(fresh.multiselect[0].value) == [1, 3]  # the saved picks are shown as the current ones


def test_submit_page_says_how_many_submissions_are_left_today(app, demo_tables):
    at = log_in(app(), "team1")
    at = upload(at, submission(demo_tables))
    assert any("Submissions left today: **4** of 5" in m.value for m in at.markdown)


@pytest.mark.parametrize("damaged, where", [("submissions.csv", "board"), ("users.csv", "login"),
                                             ("controls.json", "overview")])
def test_a_damaged_state_file_shows_a_message_not_a_traceback(app, tmp_path, damaged, where):
    at = app()
    State(tmp_path / "app-state").write_bytes(damaged, b"\x00garbage{")
    for page in ("overview", "data", "evaluation", "submit", "board"):
        assert not go(at, page).exception
    at = log_in(at, "team1") if where == "login" else go(at, where)
    assert any("temporarily unavailable" in m for m in messages(at, "error"))
    assert State(tmp_path / "app-state").read_bytes(damaged) == b"\x00garbage{"


def test_the_admin_sees_which_state_file_is_damaged(app, tmp_path):
    at = log_in(app(), "admin")
    State(tmp_path / "app-state").write_bytes("submissions.csv", b"\x00garbage{")
    go(at, "board")
    assert any("submissions.csv cannot be read" in m for m in messages(at, "error"))


def test_a_bad_settings_file_stops_the_app_with_the_fix(app, tmp_path, monkeypatch):
    bad = tmp_path / "bad_config.py"
    bad.write_text((settings.ROOT / "config.py").read_text() + "\nGREATER_IS_BETER = False\n")
    at = app()
    monkeypatch.setenv("DATATHON_CONFIG", str(bad))
    at = another_session(at)
    assert not at.exception
    assert any("did you mean GREATER_IS_BETTER" in m for m in messages(at, "error"))


def test_python_main_py_refuses_to_start_on_a_bad_settings_file(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad_config.py"
    bad.write_text("from sklearn.metrics import precision_recall_curve\nSKLEARN_SCORER = precision_recall_curve\n"
                   "SAMPLE_SUBMISSION = 'demo:sample_submission.csv'\nY_TEST = 'demo:y_test.csv'\n")
    result = subprocess.run([sys.executable, str(settings.ROOT / "main.py")], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "DATATHON_CONFIG": str(bad),
                                 "DATATHON_STATE_DIR": str(tmp_path / "s")}, timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    assert "SKLEARN_SCORER must return a single float" in result.stderr


def test_unreachable_data_is_reported_to_the_admin_and_refuses_uploads(app, demo_tables, tmp_path, monkeypatch):
    config = tmp_path / "remote_config.py"
    config.write_text((settings.ROOT / "config.py").read_text().replace(
        'Y_TEST = "demo:y_test.csv"', 'Y_TEST = "http://127.0.0.1:9/y_test.csv"\nDOWNLOAD_TIMEOUT = 2'))
    at = app()
    monkeypatch.setenv("DATATHON_CONFIG", str(config))
    at = go(another_session(at), "data")
    assert not at.exception
    assert any("temporarily unavailable" in m for m in messages(at, "warning"))
    at = upload(log_in(at, "team1"), submission(demo_tables))
    assert any("temporarily unavailable" in m for m in messages(at, "error")) and not messages(at, "success")
    at = go(log_in(log_out(at), "admin"), "admin")
    assert any("Y_TEST" in m and "127.0.0.1:9" in m for m in messages(at, "error"))


def test_a_password_reset_ends_the_teams_open_session(app, tmp_path):
    import users

    at = log_in(app(), "team1")
    users.reset(State(tmp_path / "app-state"), "team1", users.OPERATOR)
    at.run()
    assert [b.label for b in at.sidebar.button] == ["Log in"]
    assert any("logged out" in m for m in messages(at, "warning"))


def test_logging_out_forgets_the_last_result(app, demo_tables):
    at = log_in(app(), "team1")
    upload(at, submission(demo_tables))
    at = go(log_in(log_out(at), "team2"), "submit")
    assert not messages(at, "success")


@pytest.mark.parametrize("page", ["overview", "data", "board", "admin"])
def test_the_admin_is_warned_on_every_page_while_the_default_password_is_in_use(app, tmp_path, page):
    at = app()
    State(tmp_path / "app-state").write_bytes("users.csv", b"login,password\nadmin,password\nteam1,pw-team1\n")
    at = go(log_in(another_session(at), "admin", "password"), page)
    assert any("default password" in m for m in messages(at, "warning"))


def test_no_default_password_warning_once_it_is_changed(app):
    at = go(log_in(app(), "admin"), "overview")
    assert not any("default password" in m for m in messages(at, "warning"))
