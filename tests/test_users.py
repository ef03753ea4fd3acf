"""Accounts: the original's plaintext rows still work, only hashes are stored, logins are throttled."""

import statistics
import subprocess
import sys
import time
from datetime import timedelta

import pandas as pd
import pytest
from conftest import NOON, ROOT, TEAMS, write_accounts

import controls
import users
from errors import NotAuthorised, StateFileError


def stored(state) -> pd.DataFrame:
    return pd.read_csv(state.path(users.FILE), dtype=str, keep_default_na=False)


def test_the_originals_login_password_rows_are_accepted_and_admin_is_admin(state):
    state.path(users.FILE).write_text("login,password\nadmin,password\nteam1,secret1\n")
    users.ensure(state)
    assert users.authenticate(state, "admin", "password", NOON).is_admin
    assert not users.authenticate(state, "team1", "secret1", NOON).is_admin


def test_plaintext_passwords_are_replaced_by_salted_hashes_at_start(state):
    write_accounts(state)
    assert sorted(users.ensure(state)) == sorted(["admin", *TEAMS])
    saved = stored(state)
    assert saved["password"].str.startswith("scrypt$").all()
    assert not set(saved["password"]) & set(TEAMS.values())
    assert len(set(saved["password"])) == len(saved)  # salted: no two hashes alike
    assert users.ensure(state) == []  # nothing left to hash


def test_a_missing_accounts_file_is_created_with_the_default_admin(state):
    users.ensure(state)
    assert stored(state)[["login", "role"]].values.tolist() == [["admin", "admin"]]
    assert users.has_default_password(state)


def test_the_default_admin_password_is_detected_until_reset(state):
    state.path(users.FILE).write_text("login,password\nadmin,password\n")
    users.ensure(state)
    assert users.has_default_password(state)
    users.reset(state, "admin", users.OPERATOR)
    assert not users.has_default_password(state)


def test_a_damaged_accounts_file_is_reported_and_left_untouched(state):
    damaged = b"login;password\nadmin;password\n"
    state.path(users.FILE).write_bytes(damaged)
    with pytest.raises(StateFileError, match="users.csv cannot be read: missing column"):
        users.ensure(state)
    assert state.path(users.FILE).read_bytes() == damaged


@pytest.mark.parametrize("content, problem", [
    ("login,password,role\nadmin,x,superuser\n", "unknown role"),
    ("login,password\nteam1,a\nteam1,b\n", "listed twice"),
])
def test_an_inconsistent_accounts_file_says_what_is_wrong(state, content, problem):
    state.path(users.FILE).write_text(content)
    with pytest.raises(StateFileError, match=problem):
        users.read(state)


def test_wrong_password_and_unknown_login_get_the_same_message(state):
    write_accounts(state)
    users.ensure(state)
    messages = set()
    for login, password in (("team1", "nope"), ("nobody", "nope")):
        with pytest.raises(NotAuthorised) as caught:
            users.authenticate(state, login, password, NOON)
        messages.add(str(caught.value))
    assert messages == {users.WRONG}


def test_five_failures_lock_the_login_for_five_minutes(state):
    write_accounts(state)
    users.ensure(state)
    for _ in range(5):
        with pytest.raises(NotAuthorised, match="Wrong login"):
            users.authenticate(state, "team1", "nope", NOON)
    with pytest.raises(NotAuthorised, match="Too many failed attempts for this login. Try again in 5 minute"):
        users.authenticate(state, "team1", TEAMS["team1"], NOON + timedelta(seconds=1))
    assert users.authenticate(state, "team2", TEAMS["team2"], NOON).login == "team2"  # others unaffected
    assert users.authenticate(state, "team1", TEAMS["team1"], NOON + timedelta(minutes=5, seconds=1))


def test_an_unknown_login_is_locked_the_same_way(state):
    write_accounts(state)
    users.ensure(state)
    for _ in range(5):
        with pytest.raises(NotAuthorised, match="Wrong login"):
            users.authenticate(state, "ghost", "nope", NOON)
    with pytest.raises(NotAuthorised, match="Too many failed attempts for this login"):
        users.authenticate(state, "ghost", "nope", NOON)


def test_failures_are_counted_across_processes(state):
    write_accounts(state)
    users.ensure(state)
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); import users; from storage import State; "
            "from conftest import NOON\n"
            f"try:\n    users.authenticate(State({str(state.dir)!r}), 'team1', 'nope', NOON)\n"
            "except Exception as e:\n    print(e)")
    for _ in range(5):
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT / "tests", capture_output=True)
    with pytest.raises(NotAuthorised, match="Too many failed attempts"):
        users.authenticate(state, "team1", TEAMS["team1"], NOON)


def test_a_success_clears_earlier_failures(state):
    write_accounts(state)
    users.ensure(state)
    for _ in range(4):
        with pytest.raises(NotAuthorised):
            users.authenticate(state, "team1", "nope", NOON)
    users.authenticate(state, "team1", TEAMS["team1"], NOON)
    for _ in range(4):
        with pytest.raises(NotAuthorised, match="Wrong login"):
            users.authenticate(state, "team1", "nope", NOON)


def test_unknown_logins_take_as_long_as_known_ones(state):
    write_accounts(state)
    users.ensure(state)

    def median_time(login):
        times = []
        for i in range(5):
            start = time.perf_counter()
            with pytest.raises(NotAuthorised):
                users.authenticate(state, login, "nope", NOON + timedelta(days=i))
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    known, unknown = median_time("team1"), median_time("nobody")
    # Both pay for one scrypt hash; an unknown login must not answer in a fraction of the time.
    assert unknown > known / 2


def test_add_creates_accounts_with_strong_passwords_stored_hashed(state):
    users.ensure(state)
    passwords = users.add(state, ["team7", "team8"], users.OPERATOR)
    assert set(passwords) == {"team7", "team8"}
    assert all(len(p) >= 20 for p in passwords.values())
    assert not set(stored(state)["password"]) & set(passwords.values())
    assert users.authenticate(state, "team7", passwords["team7"], NOON).login == "team7"


@pytest.mark.parametrize("login", ["team1", "benchmark", "<b>x</b>", "=cmd()", "a" * 80])
def test_add_refuses_taken_reserved_or_odd_logins(state, login):
    write_accounts(state)
    users.ensure(state)
    with pytest.raises(users.DatathonError):
        users.add(state, [login], users.OPERATOR)


def test_account_changes_refuse_a_non_admin_caller(state):
    users.ensure(state)
    with pytest.raises(NotAuthorised):
        users.add(state, ["team9"], users.User("team1"))
    with pytest.raises(NotAuthorised):
        users.reset(state, "admin", users.User("team1"))
    with pytest.raises(NotAuthorised):
        users.add(state, ["team9"], None)


def test_pause_and_reveal_refuse_a_non_admin_caller(state):
    for action in (controls.set_paused, controls.set_private_revealed):
        with pytest.raises(NotAuthorised):
            action(state, users.User("team1"), True)
        with pytest.raises(NotAuthorised):
            action(state, None, True)
    assert controls.read(state)["paused"] is False


def run_cli(state, *args):
    return subprocess.run([sys.executable, str(ROOT / "users.py"), "--state-dir", str(state.dir), *args],
                          capture_output=True, text=True)


def test_cli_add_prints_each_password_once_and_stores_only_hashes(state, tmp_path):
    teams = tmp_path / "teams.txt"
    teams.write_text("red team\nblue-team\n\n")
    result = run_cli(state, "add", "team7", "--file", str(teams))
    assert result.returncode == 0, result.stderr
    sheet = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert sheet["login"].tolist() == ["team7", "red team", "blue-team"]
    for login, password in sheet.values:
        assert users.authenticate(state, login, password, NOON).login == login
    assert not set(stored(state)["password"]) & set(sheet["password"])


def test_cli_reset_gives_a_new_password(state):
    run_cli(state, "add", "team7")
    result = run_cli(state, "reset", "team7")
    password = result.stdout.splitlines()[1].split(",")[1]
    assert users.authenticate(state, "team7", password, NOON)
    failed = run_cli(state, "reset", "nobody")
    assert failed.returncode == 1 and "No account 'nobody'" in failed.stderr


def test_parallel_guesses_cannot_outrun_the_lockout(state):
    import threading

    write_accounts(state)
    users.ensure(state)
    outcomes = []

    def guess():
        try:
            users.authenticate(state, "team1", "nope", NOON)
        except NotAuthorised as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(users.WRONG) == 5  # only five passwords were ever checked
    assert len(outcomes) == 20


def test_overlong_logins_are_refused_without_being_recorded(state):
    users.ensure(state)
    with pytest.raises(NotAuthorised, match="Wrong login or password"):
        users.authenticate(state, "x" * 10_000, "nope", NOON)
    assert state.read_bytes(users.ATTEMPTS) is None


def test_a_login_reserved_for_the_benchmark_row_is_refused_in_the_accounts_file(state):
    state.path(users.FILE).write_text("login,password\nadmin,x\nBenchmark,y\n")
    with pytest.raises(StateFileError, match="reserved"):
        users.read(state)


def test_adding_a_blank_login_is_refused(state):
    users.ensure(state)
    with pytest.raises(users.DatathonError, match="at least one login"):
        users.add(state, ["  "], users.OPERATOR)
