"""The submission log and the one path every upload takes: rules, scoring, recording."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pandas as pd

import controls
import leaderboard
from competition import Competition
from errors import InvalidSubmission, NotAuthorised, SubmissionRefused
from scoring import Scores, format_score
from settings import Settings
from storage import State
from users import User, require_admin

LOG = "submissions.csv"
FILES_DIR = "submissions"
COLUMNS = ["submission_id", "team", "submitted_at", "filename", "sha256", "public_score", "private_score",
           "selected", "status"]
TEXT = ["team", "submitted_at", "filename", "sha256", "status"]
SCORED, EXCLUDED, UNSCORABLE = "scored", "excluded", "unscorable"


@dataclass(frozen=True)
class Receipt:
    submission_id: int
    team: str
    scores: Scores

    @property
    def message(self) -> str:
        return f"Your score: {format_score(self.scores.public)}"


@dataclass(frozen=True)
class Quota:
    used_today: int
    left_today: int
    resets_at: datetime
    left_total: int | None

    @property
    def exhausted(self) -> bool:
        return self.left_today <= 0 or (self.left_total is not None and self.left_total <= 0)


# -- the log ------------------------------------------------------------------------------------
def read_log(state: State, data: bytes | None = None) -> pd.DataFrame:
    """Every accepted submission, oldest first (from the file, or from its bytes already read); an empty log
    when none was made yet."""
    data = state.read_bytes(LOG) if data is None else data
    if data is None:
        return empty_log()
    options = {"keep_default_na": False, "na_values": {"public_score": [""], "private_score": [""]}}
    # Letting pandas infer the types reads a large log several times faster than dtype=str; only when a text
    # column looks like something else (teams named 7, 8, 9) is the file parsed again, as text.
    log = state.read_csv(LOG, columns=COLUMNS, data=data, **options)
    if any(log[c].dtype != pd.api.types.pandas_dtype(str) for c in TEXT):
        log = state.read_csv(LOG, columns=COLUMNS, data=data, dtype={c: str for c in TEXT}, **options)
    log["selected"] = log["selected"].astype(str).str.lower().eq("true")
    log["submission_id"] = log["submission_id"].astype(np.int64)
    return log[COLUMNS]


def empty_log() -> pd.DataFrame:
    return pd.DataFrame({
        "submission_id": pd.Series(dtype=np.int64), **{c: pd.Series(dtype=object) for c in TEXT[:4]},
        "public_score": pd.Series(dtype=float), "private_score": pd.Series(dtype=float),
        "selected": pd.Series(dtype=bool), "status": pd.Series(dtype=object)})[COLUMNS]


def _save(state: State, log: pd.DataFrame, settings: Settings) -> None:
    state.write_csv(LOG, log[COLUMNS])
    leaderboard.write(state, log, settings)


def stored_file(state: State, submission_id: int) -> str:
    return f"{FILES_DIR}/{int(submission_id):07d}.csv"


def timestamp(now: datetime) -> str:
    """UTC, fixed width, so that the text sorts like the time."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def team_log(log: pd.DataFrame, team: str) -> pd.DataFrame:
    return log[log["team"] == team]


# -- the rules ----------------------------------------------------------------------------------
def quota(settings: Settings, log: pd.DataFrame, team: str, now: datetime) -> Quota:
    """How many submissions the team has left today (the day resets at 00:00 UTC) and in total."""
    day_start = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    mine = team_log(log, team)
    used_today = int((mine["submitted_at"] >= timestamp(day_start)).sum())
    total = settings.MAX_SUBMISSIONS_TOTAL
    return Quota(used_today, settings.MAX_SUBMISSIONS_PER_DAY - used_today, day_start + timedelta(days=1),
                 None if total is None else total - len(mine))


def check_open(state: State, settings: Settings, user: User | None, log: pd.DataFrame, now: datetime) -> None:
    """Raise SubmissionRefused (or NotAuthorised) unless this team may submit now."""
    if user is None:
        raise NotAuthorised("Log in to submit.")
    if user.is_admin:
        raise SubmissionRefused("Admin accounts organise the challenge and do not appear on the leaderboard. "
                                "To rehearse, log in as a team (create one with `python users.py add <team>`).")
    if controls.is_paused(state):
        raise SubmissionRefused("The challenge is paused by the organisers: uploads are not accepted for now. "
                                "Try again when it resumes.")
    if settings.START and now < settings.START:
        raise SubmissionRefused(f"The challenge opens at {show_time(settings.START)}; uploads are accepted from then.")
    if settings.END and now >= settings.END:
        raise SubmissionRefused(f"The challenge closed at {show_time(settings.END)}; uploads are no longer accepted.")
    left = quota(settings, log, user.login, now)
    if left.left_total is not None and left.left_total <= 0:
        raise SubmissionRefused(f"Your team has used all {settings.MAX_SUBMISSIONS_TOTAL} submissions allowed "
                                "for this challenge.")
    if left.left_today <= 0:
        raise SubmissionRefused(f"Your team has used its {settings.MAX_SUBMISSIONS_PER_DAY} submissions for today. "
                                f"The count resets at {show_time(left.resets_at)}.")


def show_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# -- submitting ---------------------------------------------------------------------------------
def submit(state: State, comp: Competition | None, user: User | None, filename: str, content: bytes,
           now: datetime, max_bytes: int | None = None,
           progress: Callable[[str], None] | None = None) -> Receipt:
    """Check the rules, score the file, then record it and update the leaderboard, atomically."""
    if comp is None:
        raise SubmissionRefused("The competition data is temporarily unavailable, so uploads cannot be scored. "
                                "The organisers have been told; try again later.")
    check_open(state, comp.settings, user, read_log(state), now)
    scores = comp.score_file(content, max_bytes, progress)
    if progress:
        progress("Recording")
    digest = hashlib.sha256(content).hexdigest()
    with state.locked():
        before = state.read_bytes(LOG)
        log = read_log(state, before)
        check_open(state, comp.settings, user, log, now)  # the rules may have changed while scoring
        submission_id = int(log["submission_id"].max()) + 1 if len(log) else 1
        state.write_bytes(stored_file(state, submission_id), content)
        row = pd.DataFrame([{"submission_id": submission_id, "team": user.login, "submitted_at": timestamp(now),
                             "filename": (filename or "")[:200], "sha256": digest, "public_score": scores.public,
                             "private_score": scores.private, "selected": False, "status": SCORED}])[COLUMNS]
        _append(state, before, row)
        leaderboard.write(state, pd.concat([log, row], ignore_index=True), comp.settings)
    return Receipt(submission_id, user.login, scores)


def _append(state: State, before: bytes | None, row: pd.DataFrame) -> None:
    """Replace the log (`before`, as read under the lock) by itself plus one line: still one atomic write,
    but nothing re-formatted."""
    if before and not before.endswith(b"\n"):
        before += b"\n"
    state.write_bytes(LOG, (before or b"") + row.to_csv(index=False, header=not before).encode("utf-8"))


# -- after submitting: final picks, exclusion, rescoring ----------------------------------------
def select_finals(state: State, settings: Settings, user: User | None, submission_ids: list[int],
                  now: datetime) -> None:
    """Mark the team's final picks for the private leaderboard (replacing earlier picks)."""
    if user is None:
        raise NotAuthorised("Log in to pick final submissions.")
    if controls.is_private_revealed(state, settings.END, now):
        raise SubmissionRefused("The private leaderboard is out: final picks can no longer change.")
    wanted = {int(i) for i in submission_ids}
    if len(wanted) > settings.MAX_SELECTED_SUBMISSIONS:
        raise SubmissionRefused(f"Pick at most {settings.MAX_SELECTED_SUBMISSIONS} submissions as final.")
    with state.locked():
        log = read_log(state)
        mine = log["team"] == user.login
        foreign = wanted - set(log.loc[mine & (log["status"] == SCORED), "submission_id"])
        if foreign:
            raise SubmissionRefused(f"Submission(s) {sorted(foreign)} are not your team's scored submissions.")
        log.loc[mine, "selected"] = log.loc[mine, "submission_id"].isin(wanted)
        _save(state, log, settings)


def set_excluded(state: State, settings: Settings, actor: User | None, submission_id: int, excluded: bool) -> None:
    """Drop a submission from the rankings, or bring it back; it stays in the log (admins only)."""
    require_admin(actor)
    with state.locked():
        log = read_log(state)
        row = log["submission_id"] == int(submission_id)
        if not row.any():
            raise SubmissionRefused(f"There is no submission {submission_id}.")
        if log.loc[row, "status"].iloc[0] == UNSCORABLE:
            raise SubmissionRefused(f"Submission {submission_id} could not be scored at the last rescore.")
        log.loc[row, "status"] = EXCLUDED if excluded else SCORED
        _save(state, log, settings)


def rescore(state: State, comp: Competition, actor: User | None,
            progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Score every stored file again (after the target or metric was corrected); keeps the log's history."""
    require_admin(actor)
    log = read_log(state)
    scores = {}
    for position, submission_id in enumerate(log["submission_id"]):  # outside the lock: this can take long
        content = state.read_bytes(stored_file(state, submission_id))
        try:
            if content is None:
                raise InvalidSubmission("stored file missing")
            result = comp.score_file(content)
            scores[submission_id] = (result.public, result.private)
        except InvalidSubmission:
            scores[submission_id] = None
        if progress:
            progress(position + 1, len(log))
    with state.locked():
        log = read_log(state)  # submissions made meanwhile were scored by the same competition
        state.write_csv(f"{LOG}.before-rescore.csv", log)
        for index in log.index[log["submission_id"].isin(scores)]:
            result = scores[log.at[index, "submission_id"]]
            if result is None:
                log.loc[index, ["public_score", "private_score"]] = [np.nan, np.nan]
                log.at[index, "status"] = UNSCORABLE
            else:
                log.loc[index, ["public_score", "private_score"]] = list(result)
                if log.at[index, "status"] == UNSCORABLE:
                    log.at[index, "status"] = SCORED
        _save(state, log, comp.settings)
    return log
