"""The state directory: every file the app writes, written atomically under one inter-process lock."""

from __future__ import annotations

import io
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout

from errors import StateBusy, StateFileError

LOCK_NAME = ".datathon.lock"


class State:
    """One state directory: paths, the lock, atomic reads and writes."""

    def __init__(self, directory: str | os.PathLike):
        self.dir = Path(directory).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        # FileLock is reentrant within a process and thread-safe; one per State object.
        self._lock = FileLock(str(self.dir / LOCK_NAME), timeout=60)

    def path(self, name: str) -> Path:
        return self.dir / name

    @contextmanager
    def locked(self):
        """Hold the state directory's lock for a read-modify-write."""
        try:
            self._lock.acquire()
        except Timeout:
            raise StateBusy("The platform is busy (another long task holds the state directory). "
                            "Try again in a minute.") from None
        try:
            yield
        finally:
            self._lock.release()

    # -- raw bytes -----------------------------------------------------------------------------
    def write_bytes(self, name: str, data: bytes) -> None:
        """Replace a file atomically: temp file in the same directory, fsync, os.replace."""
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            os.chmod(tmp, _mode_of(target))  # mkstemp makes 0600; keep what the organiser had
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)

    def read_bytes(self, name: str) -> bytes | None:
        try:
            return self.path(name).read_bytes()
        except FileNotFoundError:
            return None

    def version(self, name: str) -> tuple[int, int] | None:
        """A cheap key that changes whenever the file is replaced (for caches)."""
        try:
            stat = self.path(name).stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    # -- CSV -------------------------------------------------------------------------------------
    def read_csv(self, name: str, columns: list[str] | None = None, data: bytes | None = None,
                 **kwargs) -> pd.DataFrame | None:
        """Read a state CSV (or parse `data`, its bytes already read); None when it does not exist,
        StateFileError when it is damaged."""
        data = self.read_bytes(name) if data is None else data
        if data is None:
            return None
        try:
            frame = pd.read_csv(io.BytesIO(data), **kwargs)
        except Exception as exc:  # pandas raises many kinds; all mean "damaged"
            raise StateFileError(self.path(name), f"not a readable CSV ({exc})") from exc
        if columns:
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise StateFileError(self.path(name), f"missing column(s) {', '.join(missing)}")
        return frame

    def write_csv(self, name: str, frame: pd.DataFrame) -> None:
        self.write_bytes(name, frame.to_csv(index=False).encode("utf-8"))

    # -- JSON ------------------------------------------------------------------------------------
    def read_json(self, name: str, default: dict) -> dict:
        data = self.read_bytes(name)
        if data is None:
            return dict(default)
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StateFileError(self.path(name), f"not valid JSON ({exc})") from exc
        if not isinstance(value, dict):
            raise StateFileError(self.path(name), "expected a JSON object")
        return {**default, **value}

    def write_json(self, name: str, value: dict) -> None:
        self.write_bytes(name, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def _mode_of(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o644


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
