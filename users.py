"""Accounts: salted password hashes, roles, login throttling, and a command to add or reset teams."""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import re
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from errors import DatathonError, NotAuthorised, StateFileError
from storage import State

FILE = "users.csv"
ATTEMPTS = "login_attempts.json"
ROLES = ("admin", "participant")
DEFAULT_ADMIN = ("admin", "password")
RESERVED = {"benchmark"}  # the leaderboard's benchmark row
LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@ -]{0,63}$")
MAX_FAILURES = 5
MAX_LOGIN = 64
MAX_TRACKED = 5000  # logins whose recent failures are remembered
LOCKOUT = timedelta(minutes=5)
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
PREFIX = "scrypt$"
WRONG = "Wrong login or password."



@dataclass(frozen=True)
class User:
    login: str
    role: str = "participant"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


# -- password hashes ----------------------------------------------------------------------------
def hash_password(password: str, salt: bytes | None = None) -> str:
    """A salted scrypt hash, self-describing: scrypt$n$r$p$salt$hash (base64)."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    b64 = lambda data: base64.b64encode(data).decode("ascii")  # noqa: E731
    return f"{PREFIX}{SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Compare a password with a stored hash in constant time."""
    try:
        _, n, r, p, salt, expected = stored.split("$")
        digest = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                p=int(p), dklen=32)
        return hmac.compare_digest(digest, base64.b64decode(expected))
    except (ValueError, TypeError):
        return False


# Whoever runs `python users.py` at the server's shell is the organiser.
OPERATOR = User("(command line)", "admin")
_DUMMY_HASH = hash_password("not a password", salt=b"0" * 16)


def is_hashed(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def generate_password() -> str:
    """A strong password that is easy to read out: four groups of five letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


# -- the accounts file --------------------------------------------------------------------------
def read(state: State) -> pd.DataFrame:
    """The accounts as login, password, role; the original's login,password rows are accepted."""
    frame = state.read_csv(FILE, columns=["login", "password"], dtype=str, keep_default_na=False)
    if frame is None:
        return pd.DataFrame(columns=["login", "password", "role"])
    frame["login"] = frame["login"].str.strip()
    if "role" not in frame.columns:
        frame["role"] = ""
    frame["role"] = frame["role"].str.strip().str.lower()
    frame.loc[frame["role"] == "", "role"] = frame["login"].map(lambda login: "admin" if login == "admin" else
                                                                "participant")
    bad_roles = sorted(set(frame["role"]) - set(ROLES))
    if bad_roles:
        raise StateFileError(state.path(FILE), f"unknown role(s) {bad_roles}; use admin or participant")
    reserved = sorted(set(frame["login"].str.lower()) & RESERVED)
    if reserved:
        raise StateFileError(state.path(FILE), f"login(s) {reserved} are reserved for the leaderboard; rename them")
    duplicated = frame["login"][frame["login"].duplicated()].tolist()
    if duplicated:
        raise StateFileError(state.path(FILE), f"login(s) listed twice: {duplicated}")
    return frame[["login", "password", "role"]]


def _write(state: State, frame: pd.DataFrame) -> None:
    state.write_csv(FILE, frame[["login", "password", "role"]])


def ensure(state: State) -> list[str]:
    """Create the accounts file if missing; replace plaintext passwords by hashes. Returns hashed logins."""
    with state.locked():
        if state.read_bytes(FILE) is None:
            login, password = DEFAULT_ADMIN
            _write(state, pd.DataFrame([{"login": login, "password": hash_password(password), "role": "admin"}]))
            return []
        frame = read(state)
        plain = ~frame["password"].map(is_hashed)
        if not plain.any():
            return []
        frame.loc[plain, "password"] = frame.loc[plain, "password"].map(hash_password)
        _write(state, frame)
        return frame.loc[plain, "login"].tolist()


def find(state: State, login: str) -> User | None:
    frame = read(state)
    rows = frame[frame["login"] == login]
    return None if rows.empty else User(login, rows.iloc[0]["role"])


def account_version(state: State, login: str) -> str | None:
    """A fingerprint of the account (role and password hash): a session ends when it changes."""
    frame = read(state)
    rows = frame[frame["login"] == login]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return hashlib.sha256(f"{row['role']}\n{row['password']}".encode()).hexdigest()


def has_default_password(state: State) -> bool:
    """True while the admin account still has the original's default password."""
    frame = read(state)
    rows = frame[frame["login"] == DEFAULT_ADMIN[0]]
    if rows.empty:
        return False
    stored = rows.iloc[0]["password"]
    return verify_password(DEFAULT_ADMIN[1], stored) if is_hashed(stored) else stored == DEFAULT_ADMIN[1]


# -- logging in ---------------------------------------------------------------------------------
def authenticate(state: State, login: str, password: str, now: datetime) -> User:
    """Return the user, or raise NotAuthorised; 5 failures lock a login for 5 minutes."""
    login = (login or "").strip()
    if len(login) > MAX_LOGIN:
        raise NotAuthorised(WRONG)  # no account has such a login; not recorded, so it cannot bloat the file
    _count_attempt(state, login, now)  # counted before the check, so parallel guesses cannot outrun the lock
    frame = read(state)
    rows = frame[frame["login"] == login]
    stored = rows.iloc[0]["password"] if not rows.empty else _DUMMY_HASH
    if not is_hashed(stored):  # a plaintext row added since start: compare, then it gets hashed
        ok = hmac.compare_digest(stored.encode(), (password or "").encode())
    else:
        ok = verify_password(password or "", stored)
    if not (ok and not rows.empty):
        raise NotAuthorised(WRONG)
    _forget_attempts(state, login)
    return User(login, rows.iloc[0]["role"])


def _count_attempt(state: State, login: str, now: datetime) -> None:
    """Refuse a locked login; otherwise count this attempt as a failure until it succeeds."""
    with state.locked():
        attempts = state.read_json(ATTEMPTS, {})
        entry = attempts.get(login) or {"failures": 0, "locked_until": None, "last": None}
        locked_until = entry.get("locked_until")
        if locked_until and now < datetime.fromisoformat(locked_until):
            minutes = max(1, round((datetime.fromisoformat(locked_until) - now).total_seconds() / 60))
            raise NotAuthorised(f"Too many failed attempts for this login. Try again in {minutes} minute(s).")
        entry["failures"] = entry.get("failures", 0) + 1
        entry["last"] = now.isoformat()
        entry["locked_until"] = None
        if entry["failures"] >= MAX_FAILURES:
            entry.update(failures=0, locked_until=(now + LOCKOUT).isoformat())
        attempts[login] = entry
        recent = sorted(((k, v) for k, v in attempts.items() if _still_relevant(v, now)),
                        key=lambda item: item[1].get("last") or "")[-MAX_TRACKED:]
        state.write_json(ATTEMPTS, dict(recent))


def _forget_attempts(state: State, login: str) -> None:
    with state.locked():
        attempts = state.read_json(ATTEMPTS, {})
        if attempts.pop(login, None) is not None:
            state.write_json(ATTEMPTS, attempts)


def _still_relevant(entry: dict, now: datetime) -> bool:
    """Forget failures older than a day and lockouts that ended, so the file stays small."""
    locked = entry.get("locked_until")
    if locked and now < datetime.fromisoformat(locked):
        return True
    last = entry.get("last")
    return bool(entry.get("failures")) and bool(last) and now - datetime.fromisoformat(last) < timedelta(days=1)


# -- managing accounts --------------------------------------------------------------------------
def require_admin(user: User | None) -> None:
    if user is None or not user.is_admin:
        raise NotAuthorised("Only an admin can do this.")


def add(state: State, logins: list[str], actor: User | None, role: str = "participant") -> dict[str, str]:
    """Create accounts with generated passwords; returns login -> password (shown once, stored hashed)."""
    require_admin(actor)
    if role not in ROLES:
        raise DatathonError(f"Unknown role {role!r}; use admin or participant.")
    logins = [login.strip() for login in logins if login.strip()]
    if not logins:
        raise DatathonError("Give at least one login.")
    for login in logins:
        if not LOGIN_PATTERN.match(login) or login.lower() in RESERVED:
            raise DatathonError(f"{login!r} cannot be a login: use up to 64 letters, digits, spaces, '_', '-', "
                                "'.' or '@', starting with a letter or digit (and not 'benchmark').")
    with state.locked():
        frame = read(state)
        taken = sorted(set(logins) & set(frame["login"]))
        if taken or len(set(logins)) != len(logins):
            raise DatathonError(f"Login(s) already exist or are repeated: {taken or logins}. Use `reset` "
                                "to give an existing team a new password.")
        passwords = {login: generate_password() for login in logins}
        rows = [{"login": k, "password": hash_password(v), "role": role} for k, v in passwords.items()]
        _write(state, pd.concat([frame, pd.DataFrame(rows)], ignore_index=True))
    return passwords


def reset(state: State, login: str, actor: User | None) -> str:
    """Give an account a new generated password; returns it (shown once, stored hashed)."""
    require_admin(actor)
    with state.locked():
        frame = read(state)
        if login not in set(frame["login"]):
            raise DatathonError(f"No account {login!r}. Use `add` to create it.")
        password = generate_password()
        frame.loc[frame["login"] == login, "password"] = hash_password(password)
        _write(state, frame)
    return password


def credentials_sheet(passwords: dict[str, str]) -> str:
    return "login,password\n" + "".join(f"{k},{v}\n" for k, v in passwords.items())


def main(argv: list[str] | None = None) -> int:
    """python users.py add team7 [team8 …] | add --file teams.txt | reset team7"""
    import settings

    parser = argparse.ArgumentParser(prog="python users.py", description=main.__doc__)
    parser.add_argument("--state-dir", default=str(settings.state_dir()),
                        help="state directory holding users.csv (default: DATATHON_STATE_DIR or the project root)")
    commands = parser.add_subparsers(dest="command", required=True)
    add_cmd = commands.add_parser("add", help="create accounts and print their passwords once")
    add_cmd.add_argument("logins", nargs="*")
    add_cmd.add_argument("--file", help="a text file with one team name per line")
    add_cmd.add_argument("--admin", action="store_true", help="create admin accounts")
    reset_cmd = commands.add_parser("reset", help="give an account a new password and print it once")
    reset_cmd.add_argument("login")
    args = parser.parse_args(argv)
    state = State(args.state_dir)
    try:
        if args.command == "add":
            logins = list(args.logins)
            if args.file:
                logins += Path(args.file).read_text(encoding="utf-8").splitlines()
            if not [x for x in logins if x.strip()]:
                parser.error("give at least one login, or --file")
            ensure(state)
            passwords = add(state, logins, OPERATOR, "admin" if args.admin else "participant")
            sys.stdout.write(credentials_sheet(passwords))
        else:
            ensure(state)
            sys.stdout.write(credentials_sheet({args.login: reset(state, args.login, OPERATOR)}))
    except (DatathonError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Stored only the password hashes in {state.path(FILE)}; the passwords above are shown once.",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
