"""Shared fixtures: a fresh state directory per test, the demo competition, teams, and AppTest drivers."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import competition  # noqa: E402
import demo  # noqa: E402
import settings  # noqa: E402
import users  # noqa: E402
from storage import State  # noqa: E402

CONFIGS = {"demo": ROOT / "config.py", "lower": ROOT / "tests" / "configs" / "lower_is_better.py"}
TEAMS = {"team1": "pw-team1", "team2": "pw-team2", "team3": "pw-team3"}
ADMIN = ("admin", "admin-secret")
NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def state(tmp_path) -> State:
    return State(tmp_path / "state")


@pytest.fixture(scope="session")
def demo_tables() -> dict[str, pd.DataFrame]:
    return demo.tables()


@pytest.fixture
def demo_settings():
    return settings.load(CONFIGS["demo"])


@pytest.fixture
def comp(demo_settings, state):
    return competition.load(demo_settings, state)


def write_accounts(state: State, admin_password: str = ADMIN[1]) -> None:
    """An organiser's users.csv in the original's plaintext form, with roles."""
    rows = [("admin", admin_password, "admin")] + [(k, v, "participant") for k, v in TEAMS.items()]
    state.write_csv(users.FILE, pd.DataFrame(rows, columns=["login", "password", "role"]))


def submission(tables, predictions=None, shuffle_seed: int | None = None) -> bytes:
    """A predictions file for the demo test set: the truth by default, or given predictions."""
    truth = tables["y_test.csv"]
    frame = pd.DataFrame({"id": truth["id"].to_numpy(),
                          "target": truth["target"].to_numpy() if predictions is None else predictions})
    if shuffle_seed is not None:
        frame = frame.sample(frac=1, random_state=shuffle_seed)
    return frame.to_csv(index=False).encode()


def degraded(tables, flips: int) -> bytes:
    """Confident predictions with `flips` wrong labels (the same rows first): more flips, worse score."""
    truth = tables["y_test.csv"]["target"].to_numpy().astype(float)
    wrong = np.random.default_rng(7).permutation(len(truth))[:flips]
    labels = truth.copy()
    labels[wrong] = 1 - labels[wrong]
    return submission(tables, np.where(labels == 1, 0.9, 0.1))


# -- AppTest drivers -----------------------------------------------------------------------------
@pytest.fixture
def app(tmp_path, monkeypatch):
    """Build an AppTest of main.py on its own state directory (and optionally another settings file)."""
    from streamlit.testing.v1 import AppTest

    def make(config: str = "demo", accounts: bool = True):
        state_dir = tmp_path / "app-state"
        monkeypatch.setenv("DATATHON_STATE_DIR", str(state_dir))
        monkeypatch.setenv("DATATHON_CONFIG", str(CONFIGS[config]))
        if accounts:
            write_accounts(State(state_dir))
        return AppTest.from_file(str(ROOT / "main.py"), default_timeout=60).run()

    return make


def another_session(at):
    """A second browser session on the same app, settings and state (read from the environment)."""
    return at.__class__.from_file(at._script_path, default_timeout=60).run()


def log_in(at, login: str, password: str | None = None):
    password = TEAMS.get(login, ADMIN[1] if login == "admin" else "") if password is None else password
    boxes = {box.label: box for box in at.sidebar.text_input}
    boxes["Login"].input(login)
    boxes["Password"].input(password)
    next(b for b in at.sidebar.button if b.label == "Log in").click()
    return at.run()


def go(at, page: str):
    return at.switch_page(f"app_pages/{page}.py").run()


def upload(at, content: bytes, name: str = "predictions.csv"):
    go(at, "submit")
    uploader = next(u for u in at.file_uploader if u.label == "Predictions")
    uploader.upload(name, content, "text/csv")
    return at.run()


def texts(at) -> list[str]:
    """Every text the page shows, in any kind of element, for 'never shown' checks."""
    found = []

    def walk(node):
        for attr in ("value", "label", "body", "help", "placeholder"):
            value = getattr(node, attr, None)
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, pd.DataFrame):
                found.append(value.to_csv())
        for child in getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) \
                else []:
            walk(child)

    walk(at._tree)
    return found


def board(at) -> pd.DataFrame:
    go(at, "board")
    return at.table[0].value


def messages(at, kind: str) -> list[str]:
    return [element.value for element in getattr(at, kind)]
