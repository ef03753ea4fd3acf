"""Case 2: the Leaderboard and Submit pages, run server-side by AppTest, over a large submission log."""

from __future__ import annotations

import os
import statistics
from datetime import UTC, datetime
from pathlib import Path

import datagen
import pandas as pd
from report import Row, medians, ms, timed

import controls
import leaderboard
import settings
import submissions
import users
from storage import State

ROOT = Path(__file__).resolve().parents[1]
TARGET_PAGE = 0.150
TARGET_PUBLIC = 0.050
PAGES = ("overview", "board", "submit")


class Site:
    """One state directory holding `size` logged submissions, and an AppTest of main.py logged in as a team."""

    def __init__(self, directory: Path, size: int, teams: int):
        from streamlit.testing.v1 import AppTest

        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.config = datagen.config_file(directory)
        self.state = State(directory / "state")
        log = datagen.submission_log(size, teams, datetime.now(UTC))
        datagen.check_timestamp_format(log)
        self.state.write_csv(submissions.LOG, log)
        self.teams_ranked = log.loc[log["status"] == submissions.SCORED, "team"].nunique()
        os.environ["DATATHON_STATE_DIR"] = str(self.state.dir)
        os.environ["DATATHON_CONFIG"] = str(self.config)
        login, password = datagen.team_name(1), "bench-password"
        self.state.write_csv(users.FILE, pd.DataFrame([{"login": login, "password": users.hash_password(password),
                                                        "role": "participant"}]))
        self.app = AppTest.from_file(str(ROOT / "main.py"), default_timeout=600)
        self.app.run()  # loads the competition and the log into Streamlit's caches, as a first visitor would
        self.log_in(login, password)

    def log_in(self, login: str, password: str) -> None:
        """Through the sidebar's login form, as a participant does."""
        boxes = {box.label: box for box in self.app.sidebar.text_input}
        boxes["Login"].input(login)
        boxes["Password"].input(password)
        next(b for b in self.app.sidebar.button if b.label == "Log in").click()
        self.app.run()

    def show(self, page: str) -> None:
        """Run one page's script (with the frame around it), as a rerun of a logged-in session does."""
        self.app.switch_page(f"app_pages/{page}.py").run()

    def problems(self, page: str) -> list[str]:
        """What is wrong with the page just shown, if anything (so that we time real pages)."""
        at, found = self.app, []
        if at.exception:
            found.append(f"{page}: exception {at.exception[0].value}")
        if at.error:
            found.append(f"{page}: error {at.error[0].value}")
        if not any("Logged in as" in m.value for m in at.sidebar.markdown):
            found.append(f"{page}: the team is not logged in")
        if page == "board" and (not at.table or len(at.table[0].value) != self.teams_ranked + 1):
            found.append(f"board: expected {self.teams_ranked} teams and the benchmark in the first table")
        if page == "submit" and not any("Submissions left today" in m.value for m in at.markdown):
            found.append("submit: the quota line is missing")
        return found


def run(workdir: Path, sizes: list[int], main_size: int, teams: int, repeats: int) -> tuple[list[Row], list[str]]:
    """Time each page, and leaderboard.public, at each log size; compare growth with linear."""
    results, problems = {}, []
    for size in sizes:
        results[size], found = measure(Site(workdir / f"pages-{size}", size, teams), repeats)
        problems += found
    return _targets(results[main_size], main_size, teams) + _growth(results, sizes), problems


def measure(site: Site, repeats: int) -> tuple[dict[str, float], list[str]]:
    """Every timing of one site; the steps that change the state come last."""
    problems = []
    for page in PAGES:
        site.show(page)
        problems += site.problems(page)
    times = medians({page: lambda p=page: site.show(p) for page in PAGES}, repeats)
    times["board, log changed"] = _after_change(site, "board", repeats)
    problems += site.problems("board")
    times |= rankings(site, repeats)
    controls.set_private_revealed(site.state, users.OPERATOR, True)
    site.show("board")
    problems += site.problems("board")
    times["board, private revealed"] = medians({"board": lambda: site.show("board")}, repeats)["board"]
    times["submit()"] = _submit(site, repeats)
    return times, problems


def _after_change(site: Site, page: str, repeats: int) -> float:
    """A page's run right after the log file changed (as after any team's upload): the log is read again."""
    times = []
    for round_ in range(1 + repeats):
        site.state.write_bytes(submissions.LOG, site.state.read_bytes(submissions.LOG))
        seconds, _ = timed(lambda: site.show(page))
        if round_:
            times.append(seconds)
    return statistics.median(times)


def _submit(site: Site, repeats: int) -> float:
    """One small upload through submissions.submit, with the site's log behind it."""
    comp = datagen.build_competition(site.directory / "y_test.csv", site.directory / "sample_submission.csv")
    content = (site.directory / "sample_submission.csv").read_bytes()
    user = users.User(datagen.team_name(1))
    return medians({"submit": lambda: submissions.submit(site.state, comp, user, "predictions.csv", content,
                                                         datetime.now(UTC))}, repeats)["submit"]


def rankings(site: Site, repeats: int) -> dict[str, float]:
    """The leaderboard's functions alone, on the log as the pages get it."""
    config = settings.load(site.config)
    log = submissions.read_log(site.state)
    return medians({"public": lambda: leaderboard.public(log, config),
                    "private": lambda: leaderboard.private(log, config),
                    "progress_over_time": lambda: leaderboard.progress_over_time(log, config)}, repeats)


def _targets(times: dict[str, float], size: int, teams: int) -> list[Row]:
    where = f"{size:,} submissions, {teams:,} teams"
    floor = times["overview"]

    def page(case: str, key: str) -> Row:
        return Row(f"{case}, {where}", ms(times[key]), f"Overview page {ms(floor)}",
                   f"{times[key] / floor:.1f}× Overview", f"≤ {ms(TARGET_PAGE)}", times[key] <= TARGET_PAGE)

    rows = [page("Leaderboard page (AppTest run)", "board"),
            page("Submit page (AppTest run)", "submit"),
            page("Leaderboard page, first run after the log changed (log re-read)", "board, log changed"),
            page("Leaderboard page with the private board revealed", "board, private revealed"),
            Row(f"leaderboard.public(log, settings), {where}", ms(times["public"]), "", "",
                f"≤ {ms(TARGET_PUBLIC)}", times["public"] <= TARGET_PUBLIC)]
    rows += [Row(f"(info) leaderboard.{name}, {where}", ms(times[name])) for name in ("private", "progress_over_time")]
    rows.append(Row(f"(info) submit() of a 1,000-row file, {where}", ms(times["submit()"])))
    return rows


def _growth(results: dict[int, dict[str, float]], sizes: list[int]) -> list[Row]:
    """Each step's time ratio against its size ratio: linear or better passes (submit() only informs)."""
    rows = []
    names = {"board": "Leaderboard page", "board, log changed": "Leaderboard page after a log change",
             "submit": "Submit page", "public": "leaderboard.public", "submit()": "submit() of a small file"}
    for name, label in names.items():
        for smaller, larger in zip(sizes, sizes[1:], strict=False):
            before, after = results[smaller][name], results[larger][name]
            growth, limit = after / before, larger / smaller
            judged = name != "submit()"
            prefix = "" if judged else "(info) "
            rows.append(Row(f"{prefix}growth of {label} from {smaller:,} to {larger:,} submissions", ms(after),
                            f"{ms(before)} at {smaller:,}", f"{growth:.2f}×",
                            f"≤ {limit:g}× (linear)" if judged else f"linear = {limit:g}×",
                            growth <= limit if judged else None))
    return rows
