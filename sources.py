"""Where each data file comes from: a local path, the demo, an http(s) URL or Google Drive, cached once."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd

import demo
from errors import DataUnavailable
from storage import State

DATA_DIR = "data"
DRIVE_ID = re.compile(r"^[A-Za-z0-9_-]{25,}$")
DRIVE_PATH_ID = re.compile(r"/(?:file/)?d/([A-Za-z0-9_-]{10,})")


def drive_id(source: str) -> str | None:
    """The Google Drive file id in a share link or a bare id, or None for anything else."""
    source = source.strip()
    if DRIVE_ID.match(source):
        return source
    parsed = urlparse(source)
    if parsed.scheme not in ("http", "https") or not parsed.netloc.endswith(("drive.google.com", "docs.google.com")):
        return None
    match = DRIVE_PATH_ID.search(parsed.path)
    if match:
        return match.group(1)
    ids = parse_qs(parsed.query).get("id")
    return ids[0] if ids else None


def kind(source: str) -> str:
    """One of 'demo', 'drive', 'url' or 'path'."""
    if source.startswith("demo:"):
        return "demo"
    if drive_id(source):
        return "drive"
    if urlparse(source).scheme in ("http", "https"):
        return "url"
    return "path"


def is_remote(source: str) -> bool:
    return kind(source) in ("drive", "url")


def cached_path(state: State, name: str, source: str) -> Path:
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]
    return state.path(f"{DATA_DIR}/{name}-{digest}.csv")


def local_path(name: str, source: str, state: State, base_dir: Path, *, sha256: str | None = None,
               timeout: float = 60, refresh: bool = False,
               progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Return a readable local copy of a data setting's file, fetching and checking it once."""
    where = kind(source)
    if where == "demo":
        directory = state.path(f"{DATA_DIR}/demo")
        demo.write(directory)
        path = directory / source.removeprefix("demo:")
        if not path.is_file():
            raise DataUnavailable(f"{name}: the demo has no file {path.name}; use one of {', '.join(demo.FILES)}.")
    elif where == "path":
        path = (base_dir / source).resolve()
        if not path.is_file():
            raise DataUnavailable(f"{name}: file {path} does not exist. Fix the path in your config.py "
                                  "(relative paths start at the settings file's folder).")
    else:
        path = cached_path(state, name, source)
        if refresh or not path.is_file():
            _download(name, source, path, timeout, progress)
    _verify(name, source, path, sha256)
    return path


def _download(name, source, path: Path, timeout: float, progress) -> None:
    """Fetch a remote file with gdown into a temp file, check it, then move it into the cache."""
    import gdown  # imported here: only competitions with remote data need it

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        temporary = Path(scratch) / "download"
        file_id = drive_id(source)
        try:
            gdown.download(url=None if file_id else source, id=file_id, output=str(temporary), quiet=True,
                           timeout=timeout, progress=progress)
        except Exception as exc:  # requests, gdown and OS errors all mean "could not fetch"
            raise DataUnavailable(f"{name}: could not download {source}: {_reason(exc)}. Check that the link "
                                  "is public ('Anyone with the link') and the host is reachable.") from None
        if not temporary.is_file():
            raise DataUnavailable(f"{name}: downloading {source} produced no file.")
        _check_csv(name, source, temporary)
        shutil.move(str(temporary), path)  # same directory: an atomic rename


def _check_csv(name: str, source: str, path: Path) -> None:
    head = path.read_bytes()[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise DataUnavailable(f"{name}: {source} returned a web page instead of the CSV file (Google Drive shows "
                              "one when the file is not shared publicly or its download quota is exceeded). "
                              "Share it with 'Anyone with the link', or host it elsewhere.")
    try:
        pd.read_csv(path, nrows=5)
    except Exception as exc:  # any parser failure means "not a CSV"
        raise DataUnavailable(f"{name}: {source} is not a readable CSV ({_reason(exc)}).") from None


def _verify(name: str, source: str, path: Path, sha256: str | None) -> None:
    if not sha256:
        return
    actual = file_sha256(path)
    if actual != sha256:
        raise DataUnavailable(f"{name}: {source} has sha256 {actual}, but DATA_SHA256 expects {sha256}. "
                              "The file changed: check it, then update DATA_SHA256.")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_csv_file(name: str, path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except Exception as exc:  # any parser failure
        raise DataUnavailable(f"{name}: {path.name} is not a readable CSV ({_reason(exc)}).") from None


def _reason(exc: Exception) -> str:
    text = str(exc).strip().replace("\n", " ") or type(exc).__name__
    return text[:300]


