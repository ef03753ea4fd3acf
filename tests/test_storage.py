"""The state directory: atomic replacement, damaged files left alone, missing files created."""

import pandas as pd
import pytest

import controls
import submissions
import users
from errors import StateFileError


def test_write_replaces_the_whole_file_and_leaves_no_temp_files(state):
    state.write_bytes("a.csv", b"old\n")
    state.write_bytes("a.csv", b"new\n")
    assert state.read_bytes("a.csv") == b"new\n"
    assert sorted(p.name for p in state.dir.iterdir()) == ["a.csv"]


def test_a_failed_write_keeps_the_old_content(state, monkeypatch):
    state.write_bytes("a.csv", b"old\n")

    def broken_replace(*args):
        raise OSError("disk full")

    monkeypatch.setattr("storage.os.replace", broken_replace)
    with pytest.raises(OSError):
        state.write_bytes("a.csv", b"new\n")
    assert state.read_bytes("a.csv") == b"old\n"
    assert sorted(p.name for p in state.dir.iterdir()) == ["a.csv"]


@pytest.mark.parametrize("name, damaged, reader", [
    (submissions.LOG, b"submission_id,team\n1,team1\n", submissions.read_log),
    (submissions.LOG, b"\x00\x01garbage", submissions.read_log),
    (users.FILE, b'login,password\n"unterminated,x\n', users.read),
    (controls.FILE, b"{not json", controls.read),
    (controls.FILE, b"[1, 2]", controls.read),
])
def test_a_damaged_state_file_is_named_and_never_overwritten(state, name, damaged, reader):
    state.write_bytes(name, damaged)
    with pytest.raises(StateFileError) as caught:
        reader(state)
    assert name in str(caught.value) and "left untouched" in str(caught.value)
    assert state.read_bytes(name) == damaged


def test_a_submission_is_refused_while_the_log_is_damaged(state, comp, demo_tables):
    from conftest import NOON, submission

    state.write_bytes(submissions.LOG, b"garbage")
    with pytest.raises(StateFileError):
        submissions.submit(state, comp, users.User("team1"), "p.csv", submission(demo_tables), NOON)
    assert state.read_bytes(submissions.LOG) == b"garbage"


def test_missing_state_files_read_as_empty_defaults(state):
    assert submissions.read_log(state).empty
    assert controls.read(state) == controls.DEFAULTS
    assert list(users.read(state).columns) == ["login", "password", "role"]


def test_csv_round_trip_keeps_text_that_looks_like_numbers_or_na(state, comp, demo_tables):
    from conftest import NOON, submission

    for team in ("NA", "007", "null"):
        submissions.submit(state, comp, users.User(team), "a,b\n\"c\".csv", submission(demo_tables), NOON)
    log = submissions.read_log(state)
    assert log["team"].tolist() == ["NA", "007", "null"]
    assert log["filename"].iloc[0] == 'a,b\n"c".csv'
    assert isinstance(pd.read_csv(state.path(submissions.LOG)), pd.DataFrame)


def test_a_rewritten_file_keeps_the_organisers_permissions(state):
    state.write_bytes("users.csv", b"login,password\n")
    state.path("users.csv").chmod(0o640)
    state.write_bytes("users.csv", b"login,password\nadmin,x\n")
    assert state.path("users.csv").stat().st_mode & 0o777 == 0o640
    state.write_bytes("new.csv", b"x\n")
    assert state.path("new.csv").stat().st_mode & 0o777 == 0o644


def test_a_lock_held_too_long_gives_a_busy_message_and_changes_nothing(state, monkeypatch):
    import multiprocessing

    from errors import StateBusy
    from storage import State

    hold, release = multiprocessing.Event(), multiprocessing.Event()

    def holder():
        with State(state.dir).locked():
            hold.set()
            release.wait(30)

    process = multiprocessing.get_context("fork").Process(target=holder)
    process.start()
    try:
        assert hold.wait(30)
        impatient = State(state.dir)
        impatient._lock.timeout = 0.2
        with pytest.raises(StateBusy, match="busy"):
            with impatient.locked():
                impatient.write_bytes("a.csv", b"changed")
        assert state.read_bytes("a.csv") is None
    finally:
        release.set()
        process.join()
