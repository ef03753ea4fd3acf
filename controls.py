"""The admin's switches, shared by every session and kept across restarts: pause and private reveal."""

from __future__ import annotations

from datetime import datetime

from storage import State
from users import User, require_admin

FILE = "controls.json"
DEFAULTS = {"paused": False, "private_revealed": False, "hashed_logins": []}


def read(state: State) -> dict:
    return state.read_json(FILE, DEFAULTS)


def is_paused(state: State) -> bool:
    return bool(read(state)["paused"])


def is_private_revealed(state: State, end: datetime | None, now: datetime) -> bool:
    """The private leaderboard shows once the admin reveals it or the end time has passed."""
    return bool(read(state)["private_revealed"]) or (end is not None and now >= end)


def _set(state: State, actor: User | None, key: str, value: bool) -> None:
    require_admin(actor)
    with state.locked():
        current = read(state)
        current[key] = bool(value)
        state.write_json(FILE, current)


def set_paused(state: State, actor: User | None, paused: bool) -> None:
    """Pause or resume uploads (admins only)."""
    _set(state, actor, "paused", paused)


def set_private_revealed(state: State, actor: User | None, revealed: bool) -> None:
    """Show or hide the private leaderboard before the end (admins only)."""
    _set(state, actor, "private_revealed", revealed)


def note_hashed_logins(state: State, logins: list[str]) -> None:
    """Remember which accounts had plaintext passwords replaced by hashes, for the admin to read."""
    if not logins:
        return
    with state.locked():
        current = read(state)
        current["hashed_logins"] = sorted(set(current["hashed_logins"]) | set(logins))
        state.write_json(FILE, current)
