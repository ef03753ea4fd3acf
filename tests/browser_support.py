"""Real-browser test support: a Streamlit server on 127.0.0.1, Debian's Chromium, and the moves a person makes.

Loaded by tests/test_browser.py as a pytest plugin (for the failure-screenshot hook and the fixtures).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "artifacts" / "screenshots"
SERVER_LOG = ROOT / "artifacts" / "browser-server.log"
TIMEOUT_MS = 20_000  # a cold start loads the competition data; later steps take well under a second
VIEWPORT = {"width": 1280, "height": 800}


# -- the failure screenshot needs each phase's outcome on the test item ------------------------------
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# -- Chromium -----------------------------------------------------------------------------------------
def require_chromium() -> str:
    """The browser's path; without it the tests fail in CI (CI=true) and are skipped elsewhere."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return str(CHROMIUM)
    message = (f"Chromium is not installed at {CHROMIUM}, so the real-browser tests cannot run. "
               "Install it with `make chromium` (apt-get install chromium); never `playwright install`.")
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} CI must run them (CI=true).", pytrace=False)
    pytest.skip(message)


# -- the server ---------------------------------------------------------------------------------------
@dataclass
class Server:
    url: str
    state_dir: Path
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no server log)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(state_dir: Path, log_path: Path, timeout: float = 60) -> Server:
    """`streamlit run main.py` on a free local port with its own state directory; wait until it is healthy."""
    port = free_port()
    env = {**os.environ, "DATATHON_STATE_DIR": str(state_dir), "DATATHON_CONFIG": str(ROOT / "config.py")}
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "main.py"), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
               # test the code as it was at start: a module edited meanwhile must not be reloaded mid-run
               "--server.fileWatcherType", "none"]
    with open(log_path, "wb") as log:  # the child keeps its own handle
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", state_dir, process, log_path)
    try:
        _wait_healthy(server, timeout)
    except BaseException:
        stop_server(server)
        raise
    return server


def _wait_healthy(server: Server, timeout: float) -> None:
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 never goes through a proxy
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"The Streamlit server exited with code {server.process.returncode} before answering:\n"
                        f"{server.log_tail()}", pytrace=False)
        try:
            with direct.open(f"{server.url}/_stcore/health", timeout=2) as answer:
                if answer.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"The Streamlit server did not answer 'ok' on /_stcore/health within {timeout:.0f} s:\n"
                f"{server.log_tail()}", pytrace=False)


def stop_server(server: Server) -> None:
    """Stop the server by its own process id: terminate, then kill if it lingers."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


# -- the app as a person drives it --------------------------------------------------------------------
@dataclass
class App:
    """One browser tab on the app: navigate with the sidebar (the login lives in the websocket session)."""

    page: Page
    url: str
    name: str  # screenshot file prefix
    shots: list[Path] = field(default_factory=list)

    @property
    def main(self) -> Locator:
        return self.page.get_by_test_id("stMain")

    @property
    def sidebar(self) -> Locator:
        return self.page.get_by_test_id("stSidebar")

    def open(self) -> App:
        self.page.goto(self.url)
        return self._arrived("Overview")

    def go(self, title: str) -> App:
        """Click the sidebar navigation link `title`, wait for its page, check it and photograph it."""
        self.page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
        return self._arrived(title)

    def _arrived(self, title: str) -> App:
        expect(self.main.get_by_role("heading", level=1, name=title, exact=True)).to_be_visible()
        self.settle()
        self.shot(title)
        return self

    def settle(self) -> None:
        """Wait until the script run is over and no element is stale, then check that nothing crashed."""
        expect(self.page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
        expect(self.page.locator('[data-stale="true"]')).to_have_count(0)
        self.assert_no_exception()

    def assert_no_exception(self) -> None:
        expect(self.page.get_by_test_id("stException")).to_have_count(0)

    def shot(self, label: str, path: Path | None = None) -> Path:
        """A full-page screenshot; Streamlit scrolls inside its main area, so grow the viewport to fit it."""
        slug = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower()
        path = path or SHOTS / f"{self.name}-{len(self.shots) + 1:02d}-{slug}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        height = self.page.evaluate("""() => Math.max(800, ...['stMain', 'stSidebarContent']
            .map(id => document.querySelector(`[data-testid="${id}"]`)).filter(Boolean).map(e => e.scrollHeight))""")
        size = self.page.viewport_size or VIEWPORT
        self.page.set_viewport_size({"width": size["width"], "height": min(int(height), 4000)})
        try:
            self.page.screenshot(path=path, full_page=True)
        finally:
            self.page.set_viewport_size(size)
        self.shots.append(path)
        return path

    def log_in(self, login: str, password: str) -> App:
        self.sidebar.get_by_role("textbox", name="Login").fill(login)
        self.sidebar.get_by_role("textbox", name="Password").fill(password)
        self.sidebar.get_by_role("button", name="Log in").click()
        expect(self.sidebar.get_by_text(re.compile(rf"^Logged in as {re.escape(login)}\b"))).to_be_visible()
        self.settle()
        return self

    def switch(self, label: str) -> Locator:
        return self.sidebar.get_by_role("switch", name=label, exact=True)

    def flip(self, label: str) -> None:
        """Click a sidebar st.toggle as a person does: on its visible track, not on the hidden input."""
        toggle = self.sidebar.get_by_test_id("stCheckbox").filter(has=self.page.get_by_role("switch", name=label))
        toggle.locator("label").first.click()

    def upload(self, path: Path) -> None:
        """Choose a file in the Submit page's uploader (which scores it at once)."""
        self.main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))

    def alert(self, kind: str, text: str | re.Pattern) -> Locator:
        """The main area's alert of this kind (Error, Warning, Success, Info) that shows `text`."""
        return self.main.get_by_test_id(f"stAlertContent{kind}").filter(has_text=text)

    def submissions_left(self) -> int:
        """The Submit page's count of submissions the team has left today."""
        text = self.main.get_by_text(re.compile(r"^Submissions left today:")).inner_text()
        return int(re.match(r"Submissions left today: (\d+) of", text).group(1))

    def table_rows(self) -> list[dict[str, str]]:
        """The rows of the main area's first st.table, as header -> cell text (read in one go, not cell by cell)."""
        table = self.main.get_by_test_id("stTable").locator("table").first
        headers, rows = table.evaluate("""t => [[...t.querySelectorAll('thead th')].map(c => c.innerText.trim()),
            [...t.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('td')].map(
                c => c.innerText.replace(/\\u00a0/g, ' ').trim()))]""")
        return [dict(zip(headers, row, strict=True)) for row in rows]


def launch(playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# -- fixtures -----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium_path() -> str:
    return require_chromium()


@pytest.fixture(scope="session")
def shots_dir() -> Path:
    return SHOTS


@pytest.fixture(scope="session")
def chromium_browser(chromium_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):  # this run's pictures only
        old.unlink()
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def app_server(chromium_path, tmp_path_factory):
    """One real server for the whole browser suite, on fresh state with the conftest's accounts."""
    import conftest

    from storage import State

    state_dir = tmp_path_factory.mktemp("browser-state")
    conftest.write_accounts(State(state_dir))
    SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
    server = start_server(state_dir, SERVER_LOG)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def open_app(request, chromium_browser, app_server):
    """Open the app in a fresh browser context (its own session); photograph every open tab if the test fails."""
    opened: list[tuple] = []

    def make(who: str = "visitor") -> App:
        context = chromium_browser.new_context(accept_downloads=True, viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        app = App(context.new_page(), app_server.url, f"{request.node.name}-{who}")
        opened.append((context, app))
        return app.open()

    yield make
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(f"-- the server's log ({app_server.log_path}), last lines:\n{app_server.log_tail(3000)}")
    for context, app in opened:
        if report is not None and report.failed:
            try:
                app.shot("FAILED", SHOTS / f"FAILED-{app.name}.png")
            except Exception as exc:  # the page may be gone; the report already says why the test failed
                print(f"could not take the failure screenshot of {app.name}: {exc}")
        context.close()
