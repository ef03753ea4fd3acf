"""The pre-flight check (`python main.py check`, and the Admin page).

- The demo config passes, with warnings for what the demo leaves to change (data, texts, password, END).
- It fails, naming the fix, when the metric runs the wrong way, returns arrays, needs other values than the
  sample gives, or cannot tell a perfect submission from a random one.
- It fails when the sample submission's ids are not the target's, or a data source cannot be fetched.
- Bad settings are one failure with their message, never a traceback; the exit code says pass or fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime

import pandas as pd
import pytest
from conftest import CONFIGS, NOON, ROOT, go, log_in, messages, write_accounts
from sklearn.metrics import accuracy_score, average_precision_score, precision_recall_curve

import preflight
import settings
import users
from preflight import FAILURE, OK, WARNING

DEMO_DATA = {"X_TRAIN": "demo:X_train.csv", "Y_TRAIN": "demo:y_train.csv", "X_TEST": "demo:X_test.csv",
             "SAMPLE_SUBMISSION": "demo:sample_submission.csv", "Y_TEST": "demo:y_test.csv"}


def config(**values) -> settings.Settings:
    return settings.from_mapping({"SKLEARN_SCORER": average_precision_score, **DEMO_DATA, **values})


def run(state, **values) -> dict[str, preflight.Check]:
    return {check.name: check for check in preflight.run(config(**values), state, now=NOON)}


def failures(checks: dict[str, preflight.Check]) -> dict[str, str]:
    return {name: check.message for name, check in checks.items() if check.status == FAILURE}


# -- passing configs ----------------------------------------------------------------------------
def test_demo_config_passes_with_warnings_for_what_the_demo_leaves_to_change(tmp_path):
    checks = preflight.check_file(CONFIGS["demo"], tmp_path / "state", now=NOON)
    by_name = {check.name: check for check in checks}

    assert not preflight.failed(checks), preflight.format_report(checks)
    for name in ("Settings", "Data X_TRAIN", "Data Y_TEST", "Target", "Sample submission ids",
                 "Rehearsal: sample submission", "Rehearsal: perfect submission", "Rehearsal: random submission",
                 "Direction", "Benchmark"):
        assert by_name[name].status == OK, by_name[name]
    assert {name for name, check in by_name.items() if check.status == WARNING} == \
        {"Admin password", "Demo data", "Demo texts", "Schedule"}
    assert "python users.py" in by_name["Admin password"].message


def test_lower_is_better_metric_passes_the_direction_check(tmp_path):
    checks = preflight.check_file(CONFIGS["lower"], tmp_path / "state", now=NOON)

    assert not preflight.failed(checks), preflight.format_report(checks)
    assert "lower is better" in next(c for c in checks if c.name == "Direction").message


# -- the rehearsal catches wrong metric settings ---------------------------------------------------
def test_reversed_direction_fails_and_says_to_flip_greater_is_better(state):
    found = failures(run(state, GREATER_IS_BETTER=False))

    assert list(found) == ["Direction"]
    assert "GREATER_IS_BETTER = False, but a perfect submission scores 1.00000" in found["Direction"]
    assert found["Direction"].endswith("Set GREATER_IS_BETTER = True in your config.py.")


def test_scorer_returning_arrays_fails_once_naming_a_single_number_metric(state):
    checks = run(state, SKLEARN_SCORER=precision_recall_curve)
    found = failures(checks)

    assert list(found) == ["Rehearsal: sample submission"]
    assert "not one number" in found["Rehearsal: sample submission"]
    assert "SKLEARN_SCORER must return a single float" in found["Rehearsal: sample submission"]
    assert "Direction" not in checks


def test_metric_needing_labels_fails_on_a_sample_of_probabilities(state):
    found = failures(run(state, SKLEARN_SCORER=accuracy_score))

    assert list(found) == ["Rehearsal: sample submission"]
    assert "cannot be scored: The metric could not score these predictions" in found["Rehearsal: sample submission"]
    assert "Give the sample submission values of the kind the metric takes" in found["Rehearsal: sample submission"]


def test_metric_that_cannot_tell_perfect_from_random_fails(state):
    found = failures(run(state, SKLEARN_SCORER=lambda y_true, y_pred: 0.5))

    assert list(found) == ["Direction"]
    assert "gives a perfect submission and a random one the same public score (0.500000)" in found["Direction"]


def test_metric_raising_an_unexpected_error_is_a_failure_not_a_traceback(state):
    def broken(y_true, y_pred):
        raise ZeroDivisionError("division by zero")

    found = failures(run(state, SKLEARN_SCORER=broken))

    assert "broken raised ZeroDivisionError: division by zero" in found["Rehearsal: sample submission"]


def test_random_rehearsal_is_seeded(state):
    first = run(state)["Rehearsal: random submission"].message
    second = run(state)["Rehearsal: random submission"].message
    other = {c.name: c for c in preflight.run(config(), state, now=NOON, seed=1)}["Rehearsal: random submission"]

    assert first == second and "seed 0" in first
    assert other.message != first


def test_benchmark_no_one_can_beat_is_a_warning(state):
    checks = run(state, BENCHMARK_SCORE=1.5)

    assert checks["Benchmark"].status == WARNING
    assert "beats even a perfect submission" in checks["Benchmark"].message


# -- data problems ----------------------------------------------------------------------------------
def test_sample_with_other_ids_fails_listing_the_mismatched_ids(tmp_path, state, demo_tables):
    sample = demo_tables["sample_submission.csv"].assign(id=lambda f: f["id"] + 1000)
    sample.to_csv(tmp_path / "sample.csv", index=False)
    first = demo_tables["y_test.csv"]["id"].min()

    checks = run(state, SAMPLE_SUBMISSION=str(tmp_path / "sample.csv"))
    found = failures(checks)

    assert list(found) == ["Sample submission ids"]
    message = found["Sample submission ids"]
    assert "171 of its ids are not in Y_TEST (e.g. 1001" in message
    assert f"171 ids of Y_TEST are missing from it (e.g. {first}," in message
    assert "Make the sample submission list exactly the 171 ids of Y_TEST" in message
    assert "Rehearsal: sample submission" not in checks  # it would only fail again, with the same fix
    assert checks["Direction"].status == OK


def test_sample_with_repeated_ids_fails(tmp_path, state, demo_tables):
    sample = demo_tables["sample_submission.csv"]
    pd.concat([sample, sample.head(2)]).to_csv(tmp_path / "sample.csv", index=False)

    found = failures(run(state, SAMPLE_SUBMISSION=str(tmp_path / "sample.csv")))

    assert "it repeats 2 id(s)" in found["Sample submission ids"]


def test_sample_with_other_columns_than_the_target_fails_at_the_target(tmp_path, state, demo_tables):
    demo_tables["sample_submission.csv"].rename(columns={"target": "proba"}).to_csv(tmp_path / "s.csv", index=False)

    found = failures(run(state, SAMPLE_SUBMISSION=str(tmp_path / "s.csv")))

    assert list(found) == ["Target"]
    assert "Y_TEST lacks column(s) proba" in found["Target"]


def test_x_test_with_other_ids_than_the_target_is_a_warning(tmp_path, state, demo_tables):
    demo_tables["X_test.csv"].head(100).to_csv(tmp_path / "x.csv", index=False)

    checks = run(state, X_TEST=str(tmp_path / "x.csv"))

    assert checks["Test features ids"].status == WARNING
    assert "71 scored id(s) have no features" in checks["Test features ids"].message


def test_unreachable_source_is_a_failure_naming_the_setting_and_skips_the_rehearsal(state):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/y_test.csv"

    checks = run(state, Y_TEST=url, DOWNLOAD_TIMEOUT=2)

    assert list(failures(checks)) == ["Data Y_TEST"]
    assert checks["Data Y_TEST"].message.startswith(f"Y_TEST: could not download {url}: could not connect")
    assert not any(name.startswith("Rehearsal") for name in checks)


def test_bad_settings_file_is_one_failure_with_its_message(tmp_path):
    (tmp_path / "config.py").write_text("SKLEARN_SCORER = 1\nSAMPLE_SUBMISSION = 'a.csv'\nY_TEST = 'b.csv'\n")

    checks = preflight.check_file(tmp_path / "config.py", tmp_path / "state")

    assert [(c.name, c.status) for c in checks] == [("Settings", FAILURE)]
    assert "Setting SKLEARN_SCORER = 1 must be a function" in checks[0].message


# -- demo leftovers ---------------------------------------------------------------------------------
def test_admin_password_warns_until_it_is_changed(state):
    assert "no users.csv" in run(state)["Admin password"].message

    users.ensure(state)
    assert "still has the default password" in run(state)["Admin password"].message

    write_accounts(state)
    assert run(state)["Admin password"].status == OK


def test_demo_texts_copied_into_another_config_are_flagged(tmp_path, state):
    demo = settings.load(CONFIGS["demo"])
    mine = settings.from_mapping({"SKLEARN_SCORER": average_precision_score, "SAMPLE_SUBMISSION": "s.csv",
                                  "Y_TEST": "y.csv", "context_markdown": demo.context_markdown,
                                  "evaluation_content": "Scored by average precision."},
                                 source=tmp_path / "config.py")

    checks = {c.name: c for c in preflight.leftovers(mine, state, NOON)}

    assert checks["Demo texts"].message.startswith("context_markdown still holds the demo's text")
    assert checks["Empty texts"].message.startswith("content_markdown, data_instruction_commands are empty")
    assert "Demo data" not in checks


@pytest.mark.parametrize(("end", "status", "words"), [
    (None, WARNING, "END is not set"),
    ("2026-05-01 00:00", WARNING, "END (2026-05-01 00:00 UTC) has passed"),
    ("2026-07-01 18:00", OK, "Uploads open now and close 2026-07-01 18:00 UTC"),
])
def test_schedule_warns_without_a_future_end(state, end, status, words):
    check = run(state, END=end)["Schedule"]

    assert (check.status, words in check.message) == (status, True), check


# -- the command and the report ---------------------------------------------------------------------
def test_report_lists_each_check_and_a_verdict():
    text = preflight.format_report([preflight.Check("Data Y_TEST", FAILURE, "Y_TEST: gone."),
                                    preflight.Check("Schedule", WARNING, "END is not set.")])

    assert text.splitlines() == ["[ FAILED] Data Y_TEST: Y_TEST: gone.", "[warning] Schedule: END is not set.",
                                 "Pre-flight check FAILED: 1 failure(s), 1 warning(s). Fix the failures, then run "
                                 "`python main.py check` again."]


def test_main_takes_config_and_state_dir_options(tmp_path, capsys):
    (tmp_path / "reversed.py").write_text((ROOT / "config.py").read_text().replace(
        "GREATER_IS_BETTER = True", "GREATER_IS_BETTER = False"))

    code = preflight.main(["--config", str(tmp_path / "reversed.py"), "--state-dir", str(tmp_path / "state")])

    assert code == 1
    assert "Set GREATER_IS_BETTER = True" in capsys.readouterr().out
    assert (tmp_path / "state" / "data" / "demo" / "y_test.csv").is_file()


@pytest.mark.parametrize(("flip", "code", "verdict"), [
    (False, 0, "Pre-flight check passed, with"),
    (True, 1, "Pre-flight check FAILED: 1 failure(s)"),
])
def test_python_main_py_check_exits_non_zero_on_failure(tmp_path, flip, code, verdict):
    config_file = ROOT / "config.py"
    if flip:
        config_file = tmp_path / "config.py"
        config_file.write_text((ROOT / "config.py").read_text().replace(
            "GREATER_IS_BETTER = True", "GREATER_IS_BETTER = False"))
    env = {**os.environ, "DATATHON_CONFIG": str(config_file), "DATATHON_STATE_DIR": str(tmp_path / "state")}

    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "check"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)

    assert done.returncode == code, done.stdout + done.stderr
    assert verdict in done.stdout
    assert "Traceback" not in done.stderr
    assert (tmp_path / "state" / "data" / "demo").is_dir()


# -- the Admin page ---------------------------------------------------------------------------------
def test_admin_page_runs_the_check_and_shows_each_result(app):
    at = go(log_in(app(), "admin"), "admin")
    button = next(b for b in at.button if b.label == "Run the pre-flight check")

    at = button.click().run()

    assert any("Direction" in text for text in messages(at, "success"))
    assert any("Demo data" in text for text in messages(at, "warning"))
    assert not messages(at, "error")


def test_now_defaults_to_the_current_time(state):
    checks = {c.name: c for c in preflight.run(config(END=datetime(2000, 1, 1, tzinfo=UTC)), state)}

    assert "has passed" in checks["Schedule"].message
