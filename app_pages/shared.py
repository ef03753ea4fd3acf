"""What every page needs: the cached settings, competition and log, the user, the clock, error display."""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

import competition
import controls
import settings as settings_module
import submissions
import users
from errors import ConfigError, DatathonError, DataUnavailable, StateFileError
from settings import Settings
from storage import State

log = logging.getLogger("datathon")
USER_KEY = "user"
ACCOUNT_KEY = "account_version"
RETRY_SECONDS = 60


@dataclass(frozen=True)
class Context:
    settings: Settings
    state: State
    comp: competition.Competition | None
    data_error: str | None


@st.cache_resource(max_entries=4, show_spinner=False)
def _settings(path: str, version: tuple) -> Settings:
    return settings_module.load(path)


@st.cache_resource(max_entries=4, show_spinner="Loading the competition data…")
def _competition(path: str, version: tuple, state_dir: str, data_version: tuple, attempt: int):
    """The competition, or the reason it is unavailable (cached too, so a bad source is not re-fetched per page)."""
    config = _settings(path, version)
    try:
        return competition.load(config, State(state_dir)), None
    except DataUnavailable as exc:
        log.error("data unavailable: %s", exc)
        return None, str(exc)


@st.cache_resource(max_entries=2, show_spinner=False)
def _hash_plaintext_passwords(state_dir: str, version: tuple) -> None:
    state = State(state_dir)
    controls.note_hashed_logins(state, users.ensure(state))


def context() -> Context:
    """Load (once, cached on file versions) the settings, the accounts and the competition."""
    path = settings_module.config_path()
    version = _version(path)
    config = _settings(str(path), version)
    state = State(settings_module.state_dir())
    try:
        _hash_plaintext_passwords(str(state.dir), state.version(users.FILE))
    except StateFileError as exc:  # shown where accounts are used (login, admin); the pages still draw
        log.error("%s", exc)
    key = (str(path), version, str(state.dir), competition.data_version(config, state))
    comp, error = _competition(*key, 0)
    if error:  # try again once a minute: a source that was down may be back
        comp, error = _competition(*key, 1 + int(time.time() // RETRY_SECONDS))
    return Context(config, state, comp, error)


def reload_data() -> None:
    """Load the competition again on the next run (after the Admin page refreshed the data)."""
    _competition.clear()


def _version(path) -> tuple:
    try:
        stat = os.stat(path)
    except OSError:
        raise ConfigError(f"Settings file {path} does not exist. Set DATATHON_CONFIG to your config.py "
                          "or create one (see README, 'Setting up a competition').") from None
    return (stat.st_mtime_ns, stat.st_size)


@st.cache_resource(max_entries=8, show_spinner=False)
def _log(state_dir: str, version: tuple | None) -> pd.DataFrame:
    return submissions.read_log(State(state_dir))


def submission_log(state: State) -> pd.DataFrame:
    """The submission log, re-read only when the file changed; callers must not modify it."""
    return _log(str(state.dir), state.version(submissions.LOG))


@st.cache_resource(max_entries=2, show_spinner=False)
def _default_password(state_dir: str, version: tuple | None) -> bool:
    return users.has_default_password(State(state_dir))


def admin_has_default_password(state: State) -> bool:
    return _default_password(str(state.dir), state.version(users.FILE))


def current_user() -> users.User | None:
    return st.session_state.get(USER_KEY)


def log_in(state: State, user: users.User) -> None:
    st.session_state[USER_KEY] = user
    st.session_state[ACCOUNT_KEY] = users.account_version(state, user.login)


def log_out() -> None:
    """Forget everything of this session (user, last result, uploaded file)."""
    st.session_state.clear()


@st.cache_resource(max_entries=64, show_spinner=False)
def _account_version(state_dir: str, version: tuple | None, login: str) -> str | None:
    return users.account_version(State(state_dir), login)


def session_still_valid(state: State) -> bool:
    """False when the logged-in account was removed, or its role or password changed since login."""
    user = current_user()
    if user is None:
        return True
    try:
        now = _account_version(str(state.dir), state.version(users.FILE), user.login)
    except StateFileError:
        return True  # the damaged file is reported where accounts are used
    return now is not None and now == st.session_state.get(ACCOUNT_KEY)


def now() -> datetime:
    return datetime.now(UTC)


def plain(text) -> str:
    """Escape markdown so that participant-provided text is shown as typed, never as markup or HTML."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", str(text))


def show_error(exc: Exception) -> None:
    """Turn an exception into a message for the person in front of the page, never a traceback."""
    user = current_user()
    if isinstance(exc, StateFileError):
        log.error("%s", exc)
        if user and user.is_admin:
            st.error(f"State file problem: {exc}")
        else:
            st.error("The platform is temporarily unavailable. The organisers have been told; please try again later.")
    elif isinstance(exc, ConfigError):
        st.error(f"Settings problem: {exc}")
    elif isinstance(exc, DatathonError):
        st.error(str(exc))
    else:
        log.error("unexpected error", exc_info=exc)
        st.error("Something went wrong on our side. The organisers have been told; please try again.")


def data_unavailable(ctx: Context) -> None:
    user = current_user()
    if user and user.is_admin:
        st.error(f"Data problem: {ctx.data_error}")
    else:
        st.warning("The competition data is temporarily unavailable. The organisers have been told; "
                   "please try again later.")
