"""Where each data file comes from: a local path, the demo, an http(s) URL or Google Drive, cached once."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
from filelock import FileLock, Timeout

import demo
from errors import DataUnavailable
from storage import State

DATA_DIR = "data"
DRIVE_HOSTS = ("drive.google.com", "docs.google.com", "drive.usercontent.google.com")
DRIVE_ID = re.compile(r"^[A-Za-z0-9_-]{25,}$")
DRIVE_PATH_ID = re.compile(r"/d/([A-Za-z0-9_-]{10,})")
BOM = b"\xef\xbb\xbf"
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")
CHUNK_ROWS = 100_000  # rows per chunk when a downloaded file is read through once
LOCK_WAIT = 600  # seconds to wait for another process that is fetching the same file
SHARE_FIX = ("In Google Drive: Share > General access > 'Anyone with the link', then copy the link into "
             "your config.py.")

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)
Downloader = Callable[..., object]  # gdown.download's keyword signature


# -- what kind of source ---------------------------------------------------------------------
def is_drive_link(source: str) -> bool:
    parsed = urlparse(source.strip())
    return parsed.scheme in ("http", "https") and (parsed.hostname or "") in DRIVE_HOSTS


def drive_id(source: str) -> str | None:
    """The Google Drive file id in a share link or a bare id, or None for anything else."""
    source = source.strip()
    if DRIVE_ID.match(source):
        return source
    if not is_drive_link(source):
        return None
    parsed = urlparse(source)
    match = DRIVE_PATH_ID.search(parsed.path)
    if match:
        return match.group(1)
    ids = parse_qs(parsed.query).get("id")
    return ids[0].strip() if ids and ids[0].strip() else None


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


def link(source: str) -> str:
    """An address a browser can open: a bare Drive id becomes its Drive link; other sources are unchanged."""
    source = source.strip()
    return f"https://drive.google.com/uc?export=download&id={source}" if DRIVE_ID.match(source) else source


def cached_path(state: State, name: str, source: str) -> Path:
    """Where a remote file is kept; every link form of one Drive file shares the same copy."""
    file_id = drive_id(source)
    key = f"drive:{file_id}" if file_id else source.strip()
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return state.path(f"{DATA_DIR}/{name}-{digest}.csv")


# -- a local copy of one data setting -------------------------------------------------------------
def local_path(name: str, source: str, state: State, base_dir: Path, *, sha256: str | None = None,
               timeout: float = 60, refresh: bool = False, progress: Progress | None = None,
               download: Downloader | None = None) -> Path:
    """Return a readable local copy of a data setting's file, fetching and checking it once.

    A remote file is downloaded only when it is not cached yet, when its cached copy no longer matches
    `sha256`, or on `refresh`; a failed download leaves the cached copy as it was.
    """
    where = kind(source)
    if where == "demo":
        path = _demo_file(name, source, state)
    elif where == "path":
        path = location(name, source, state, base_dir)
        if not path.is_file():
            raise DataUnavailable(f"{name}: file {path} does not exist. Fix the path in your config.py "
                                  "(relative paths start at the settings file's folder).")
        check_csv(name, source, path, full=False)
    else:
        return _remote_copy(name, source, state, sha256=sha256, timeout=timeout, refresh=refresh,
                            progress=progress, download=download)
    _verify(name, source, path, sha256)
    return path


def location(name: str, source: str, state: State, base_dir: Path) -> Path | None:
    """Where a setting's local copy is or will be (None for the demo); its stat is a version key for caches."""
    where = kind(source)
    if where == "demo":
        return None
    if where == "path":
        return Path(base_dir, Path(source.strip()).expanduser()).resolve()
    return cached_path(state, name, source)


def _demo_file(name: str, source: str, state: State) -> Path:
    directory = state.path(f"{DATA_DIR}/demo")
    try:
        demo.write(directory)
    except OSError as exc:
        raise DataUnavailable(f"{name}: cannot write the demo files into {directory} ({exc}). Make the state "
                              "directory (DATATHON_STATE_DIR) writable.") from None
    path = directory / source.removeprefix("demo:")
    if not path.is_file():
        raise DataUnavailable(f"{name}: the demo has no file {path.name}; use one of {', '.join(demo.FILES)}.")
    return path


def _remote_copy(name, source, state, *, sha256, timeout, refresh, progress, download) -> Path:
    if is_drive_link(source) and not drive_id(source):
        raise DataUnavailable(f"{name}: {source} is a Google Drive link without a file id (a folder?). Link the "
                              f"file itself. {SHARE_FIX}")
    path = cached_path(state, name, source)
    if not refresh and _is_good(path, sha256):
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path.with_name(f".{path.name}.lock")), timeout=max(LOCK_WAIT, 10 * timeout)):
            if not refresh and _is_good(path, sha256):  # another process fetched it while we waited
                return path
            _fetch(name, source, path, sha256, timeout, progress, download)
    except Timeout:
        raise DataUnavailable(f"{name}: another process has been downloading {source} for too long. "
                              "Try again later.") from None
    except OSError as exc:  # the cache folder: full disk, permissions
        raise DataUnavailable(f"{name}: cannot store the download of {source} in {path.parent} ({exc}). Make the "
                              "state directory (DATATHON_STATE_DIR) writable, with room for the data.") from None
    return path


def _is_good(path: Path, sha256: str | None) -> bool:
    return path.is_file() and (not sha256 or file_sha256(path) == sha256)


def _fetch(name, source, path: Path, sha256, timeout, progress, download) -> None:
    """Download into a scratch file beside the cache, check it, and only then replace the cached copy."""
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".download-") as scratch:
        temporary = Path(scratch) / path.name
        _download(name, source, temporary, timeout, progress, download)
        if not temporary.is_file():
            raise DataUnavailable(f"{name}: downloading {source} produced no file.")
        check_csv(name, source, temporary, full=True)
        _verify(name, source, temporary, sha256)
        os.replace(temporary, path)  # same directory: atomic, and readers never see a partial file


def _download(name, source, output: Path, timeout: float, progress, download) -> None:
    """Fetch with gdown (Drive's confirmation pages and plain URLs alike); explain any failure."""
    if download is None:
        import gdown  # imported here: only competitions with remote data need it

        download = gdown.download
    file_id = drive_id(source)
    try:
        download(url=None if file_id else source.strip(), id=file_id, output=str(output), quiet=True,
                 timeout=timeout, progress=progress, use_cookies=False, format="csv")
    except Exception as exc:  # requests, gdown and OS errors all mean "could not fetch"
        raise DataUnavailable(f"{name}: could not download {source}: {_download_problem(exc, timeout)}") from None


def _download_problem(exc: Exception, timeout: float) -> str:
    """What went wrong, and what to do about it, in the organiser's terms."""
    import requests  # gdown's own HTTP client

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        code, reason = exc.response.status_code, exc.response.reason or ""
        fix = {404: "Check the address: the file is not there.",
               401: f"The file is not public. {SHARE_FIX}", 403: f"The file is not public. {SHARE_FIX}",
               429: "The host limits downloads; try again later or host the file elsewhere."}
        return f"the server answered HTTP {code} {reason}. " + fix.get(code, "Check the address and the host.")
    if isinstance(exc, requests.Timeout):
        return (f"no answer within DOWNLOAD_TIMEOUT = {timeout:g} seconds. Check the host, or raise "
                "DOWNLOAD_TIMEOUT in your config.py.")
    if isinstance(exc, requests.ConnectionError):
        text = str(exc).lower()
        why = "connection refused" if "refused" in text else \
            "host name not found" if "resolve" in text or "name or service" in text else _reason(exc)
        return f"could not connect ({why}). Check the address and that the host is reachable from this server."
    if type(exc).__name__ == "FileURLRetrievalError":  # gdown: Drive showed a permission or quota page
        return (f"Google Drive would not hand out the file (not shared publicly, or its download quota is "
                f"exceeded). {SHARE_FIX}")
    return f"{_reason(exc)}."


# -- checks -----------------------------------------------------------------------------------
def check_csv(name: str, source: str, path: Path, *, full: bool = True) -> None:
    """Refuse web pages, workbooks and files pandas cannot read; `full` reads every row (in chunks)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    text = head.removeprefix(BOM).lstrip().lower()
    if not text:
        raise DataUnavailable(f"{name}: {source} is empty.")
    if text.startswith(b"<") and any(marker in text for marker in HTML_MARKERS):
        raise DataUnavailable(f"{name}: {source} is a web page, not the CSV file (Google Drive sends one when the "
                              "file is not shared publicly or its download quota is exceeded; other hosts when the "
                              f"link opens a preview page). {SHARE_FIX} Elsewhere, use a direct download link.")
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x1f\x8b")) or b"\x00" in head:
        raise DataUnavailable(f"{name}: {source} is a workbook, an archive or another binary file, not a CSV. "
                              "Save or export it as CSV (comma-separated text).")
    if full:
        csv_shape(name, source, path)
        return
    try:
        pd.read_csv(path, nrows=5)
    except Exception as exc:  # any parser failure means "not a CSV"
        raise DataUnavailable(f"{name}: {source} is not a readable CSV ({_reason(exc)}).") from None


def csv_shape(name: str, source: str, path: Path) -> tuple[int, int]:
    """Read a CSV through, in chunks of rows, and return its (rows, columns)."""
    rows = columns = 0
    try:
        with pd.read_csv(path, chunksize=CHUNK_ROWS) as reader:
            for chunk in reader:
                rows, columns = rows + len(chunk), chunk.shape[1]
    except Exception as exc:  # any parser failure means "not a CSV"
        raise DataUnavailable(f"{name}: {source} is not a readable CSV ({_reason(exc)}).") from None
    return rows, columns


def _verify(name: str, source: str, path: Path, sha256: str | None) -> None:
    if not sha256:
        return
    actual = file_sha256(path)
    if actual != sha256:
        raise DataUnavailable(f"{name}: {source} has sha256 {actual}, but DATA_SHA256 expects {sha256}. "
                              "The file changed: check it, then update DATA_SHA256 in your config.py.")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_csv_file(name: str, path: Path, source: str | None = None) -> pd.DataFrame:
    """Read a fetched data file; DataUnavailable names the setting and its source."""
    try:
        return pd.read_csv(path)
    except Exception as exc:  # any parser failure
        raise DataUnavailable(f"{name}: {source or path} is not a readable CSV ({_reason(exc)}).") from None


def _reason(exc: Exception) -> str:
    text = str(exc).strip().replace("\n", " ") or type(exc).__name__
    return text[:300]
