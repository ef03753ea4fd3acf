"""The hidden target stays hidden, and whatever a participant types is shown as text."""

import io
import tomllib

import pandas as pd
import pytest
from conftest import ROOT, degraded, go, log_in, submission, texts, upload
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

import leaderboard
import submissions
from app_pages.shared import plain
from storage import State
from users import User

PARTICIPANT_PAGES = ("overview", "data", "evaluation", "submit", "board", "my_submissions")


@pytest.fixture
def downloads(monkeypatch):
    """Every file the app hands to a browser (download buttons, media) during the test."""
    served = []
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        served.append(bytes(path_or_data) if isinstance(path_or_data, (bytes, bytearray)) else
                      open(path_or_data, "rb").read())
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return served


def correct_test_rows(content: bytes, truth: pd.DataFrame) -> int:
    """How many test rows this file gives with their true target."""
    try:
        frame = pd.read_csv(io.BytesIO(content))
    except Exception:  # not a CSV: holds no rows
        return 0
    if not {"id", "target"} <= set(frame.columns):
        return 0
    merged = truth.merge(frame[["id", "target"]], on="id", suffixes=("", "_served"))
    return int((merged["target"] == merged["target_served"]).sum())


def test_no_download_a_participant_can_reach_holds_the_target(app, demo_tables, downloads):
    at = log_in(app(), "team1")
    upload(at, degraded(demo_tables, 20))
    for page in PARTICIPANT_PAGES:
        go(at, page)
    assert len(downloads) >= 4  # the Data page's files were served and inspected
    truth = demo_tables["y_test.csv"]
    y_test = truth.to_csv(index=False).encode()
    for content in downloads:
        assert y_test not in content
        assert correct_test_rows(content, truth) < len(truth) // 2


def test_no_page_shows_the_target_or_the_accounts(app, demo_tables, tmp_path):
    at = log_in(app(), "team1")
    upload(at, b"id,target\n1,0.5\n")  # an error message about ids
    hashes = State(tmp_path / "app-state").read_csv("users.csv")["password"].tolist()
    for page in PARTICIPANT_PAGES:
        shown = "\n".join(texts(go(at, page)))
        assert "scrypt$" not in shown and not any(h in shown for h in hashes)
        assert "y_test" not in shown


def test_the_state_directory_is_not_served_as_static_files():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config.get("server", {}).get("enableStaticServing", False) is False
    assert not (ROOT / "static").exists()  # Streamlit serves only ./static, and only when enabled


@pytest.mark.parametrize("name", ["**bold** team", "<script>alert(1)</script>", "[link](http://x)", "#1 `team`"])
def test_markdown_escaping_shows_participant_text_as_typed(name):
    escaped = plain(name)
    for special in "*<>[]()#`":
        assert special not in escaped.replace("\\" + special, "")


def test_team_names_reach_the_leaderboard_table_escaped(app, demo_tables, tmp_path):
    odd = "<b>x</b> **y**"
    state = State(tmp_path / "app-state")
    at = app()
    accounts = state.read_csv("users.csv", dtype=str)
    state.write_csv("users.csv", pd.concat([accounts, pd.DataFrame([[odd, "pw-odd", "participant"]],
                                                                   columns=accounts.columns)]))
    at = log_in(at.run(), odd, "pw-odd")
    upload(at, submission(demo_tables))
    table = go(at, "board").table[0].value  # st.table renders markdown: cells must arrive escaped
    assert plain(odd) in table["id"].tolist()
    assert odd not in table["id"].tolist()
    assert any(plain(odd) in m.value for m in at.sidebar.markdown)


def test_exported_csv_neutralises_spreadsheet_formulas(state, comp, demo_tables):
    from conftest import NOON

    for team in ("=HYPERLINK(\"http://x\")", "+cmd", "-2+3", "@SUM(A1)", "plain"):
        submissions.submit(state, comp, User(team), "=evil().csv", submission(demo_tables), NOON)
    log = submissions.read_log(state)
    for exported in (leaderboard.export_csv(log), leaderboard.export_csv(leaderboard.public(log, comp.settings))):
        frame = pd.read_csv(io.BytesIO(exported), dtype=str, keep_default_na=False)
        cells = frame.to_numpy().ravel().tolist()
        assert not [c for c in cells if c[:1] in ("=", "+", "@") or (c.startswith("-") and not _is_number(c))]
        assert "'=HYPERLINK(\"http://x\")" in cells and "plain" in cells


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
