"""Data sources: local files, URLs and Google Drive links, fetched once into the state directory.

- A competition whose files are all URLs loads and scores end to end, with one request per file.
- A second load on the same state directory uses the cache: no request at all.
- Every usual form of a Google Drive link (or a bare id) gives the file's id, offline.
- Each way a download can fail gives DataUnavailable naming the setting, the source and the problem.
- A failed refresh leaves the previously cached good file exactly as it was.
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
from conftest import ROOT, submission
from sklearn.metrics import average_precision_score

import competition
import demo
import settings
import sources
from errors import DataUnavailable
from settings import DATA_SETTINGS
from storage import State

FILES = dict(zip(DATA_SETTINGS, demo.FILES, strict=True))  # X_TRAIN -> X_train.csv, …
ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456"
GOOD = b"id,target\n1,0\n2,1\n3,1\n"
OTHER = b"id,target\n1,1\n2,0\n3,1\n"
HTML = (b"<!DOCTYPE html><html><head><title>Google Drive - Quota exceeded</title></head>"
        b"<body>Too many users have viewed or downloaded this file recently.</body></html>")


# -- a local HTTP server, started and stopped by the tests themselves ---------------------------
class Server:
    """Serve byte strings on 127.0.0.1 and count the requests per path."""

    def __init__(self):
        self.routes: dict[str, tuple[int, bytes, str]] = {}
        self.requests: Counter[str] = Counter()
        self.delay = threading.Event()  # set() releases slow responses at once when the test ends
        self.slow: set[str] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests[self.path] += 1
                if self.path in server.slow:
                    server.delay.wait(10)
                status, body, kind = server.routes.get(self.path, (404, b"Not Found", "text/plain"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.running = True

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str, body: bytes, status: int = 200, kind: str = "text/csv") -> str:
        self.routes[path] = (status, body, kind)
        return self.url(path)

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.delay.set()
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(5)


@pytest.fixture
def server():
    running = Server()
    yield running
    running.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_demo(server: Server, tables) -> dict[str, str]:
    """Put the five demo files on the server; return each data setting's URL."""
    return {name: server.serve(f"/{file}", tables[file].to_csv(index=False).encode()) for name, file in FILES.items()}


def url_settings(urls: dict[str, str], **extra) -> settings.Settings:
    return settings.from_mapping({"SKLEARN_SCORER": average_precision_score, **urls, **extra})


def fetch_y_test(state: State, source: str, **options):
    return sources.local_path("Y_TEST", source, state, ROOT, timeout=options.pop("timeout", 5), **options)


# -- end to end -----------------------------------------------------------------------------------
def test_competition_from_urls_loads_and_scores_with_one_request_per_file(server, state, demo_tables):
    comp = competition.load(url_settings(serve_demo(server, demo_tables)), state)

    assert comp.score_file(submission(demo_tables)).public == pytest.approx(1.0)
    assert server.requests == Counter({f"/{file}": 1 for file in demo.FILES})
    assert comp.files["X_TRAIN"].read_bytes() == demo_tables["X_train.csv"].to_csv(index=False).encode()


def test_second_load_on_the_same_state_dir_uses_the_cache_without_any_request(server, tmp_path, demo_tables):
    config = url_settings(serve_demo(server, demo_tables))
    competition.load(config, State(tmp_path / "state"))
    before = Counter(server.requests)

    again = competition.load(config, State(tmp_path / "state"))

    assert server.requests == before
    assert again.score_file(submission(demo_tables)).public == pytest.approx(1.0)


def test_the_original_y_test_google_public_link_setting_is_fetched_like_y_test(server, state, demo_tables):
    urls = serve_demo(server, demo_tables)
    config = url_settings({k: v for k, v in urls.items() if k != "Y_TEST"}, Y_TEST_GOOGLE_PUBLIC_LINK=urls["Y_TEST"])

    comp = competition.load(config, state)

    assert comp.score_file(submission(demo_tables)).public == pytest.approx(1.0)
    assert server.requests["/y_test.csv"] == 1


def test_location_is_the_file_or_its_cached_copy_and_none_for_the_demo(tmp_path, state):
    url = "https://example.com/y.csv"

    assert sources.location("Y_TEST", "data/y.csv", state, tmp_path) == tmp_path / "data" / "y.csv"
    assert sources.location("Y_TEST", url, state, tmp_path) == sources.cached_path(state, "Y_TEST", url)
    assert sources.location("Y_TEST", "demo:y_test.csv", state, tmp_path) is None


def test_refresh_downloads_again_and_replaces_the_cached_copy(server, state):
    url = server.serve("/y.csv", GOOD)
    path = fetch_y_test(state, url)
    server.serve("/y.csv", OTHER)

    assert fetch_y_test(state, url, refresh=True) == path
    assert path.read_bytes() == OTHER
    assert server.requests["/y.csv"] == 2


def test_fetch_reports_download_progress_per_setting(server, state, demo_tables):
    urls = serve_demo(server, demo_tables)
    seen = []

    competition.fetch(url_settings(urls), state, progress=lambda name, done, total: seen.append((name, done, total)))

    size = len(demo_tables["X_train.csv"].to_csv(index=False).encode())
    assert ("X_TRAIN", size, size) in seen
    assert {name for name, _, _ in seen} == set(DATA_SETTINGS)


def test_a_cached_copy_that_no_longer_matches_data_sha256_is_fetched_again(server, state):
    url = server.serve("/y.csv", GOOD)
    fetch_y_test(state, url)
    server.serve("/y.csv", OTHER)

    path = fetch_y_test(state, url, sha256=hashlib.sha256(OTHER).hexdigest())

    assert path.read_bytes() == OTHER
    assert server.requests["/y.csv"] == 2


def test_matching_sha256_is_accepted(server, state):
    url = server.serve("/y.csv", GOOD)

    assert fetch_y_test(state, url, sha256=hashlib.sha256(GOOD).hexdigest()).read_bytes() == GOOD


# -- Google Drive ---------------------------------------------------------------------------------
@pytest.mark.parametrize("link", [
    f"https://drive.google.com/file/d/{ID}/view?usp=sharing",
    f"https://drive.google.com/file/d/{ID}/view?usp=drive_link",
    f"https://drive.google.com/file/d/{ID}/view",
    f"https://drive.google.com/file/d/{ID}",
    f"https://drive.google.com/file/u/0/d/{ID}/view",
    f"https://drive.google.com/open?id={ID}",
    f"https://drive.google.com/uc?id={ID}",
    f"https://drive.google.com/uc?export=download&id={ID}",
    f"https://drive.google.com/uc?id={ID}&export=download",
    f"https://drive.usercontent.google.com/download?id={ID}&export=download",
    f"https://docs.google.com/spreadsheets/d/{ID}/edit#gid=0",
    f"  https://drive.google.com/file/d/{ID}/view?usp=sharing  ",
    ID,
    f" {ID} ",
])
def test_drive_link_forms_give_the_file_id(link):
    assert sources.drive_id(link) == ID
    assert sources.kind(link) == "drive"


@pytest.mark.parametrize(("source", "expected"), [
    ("demo:y_test.csv", "demo"),
    ("data/y_test.csv", "path"),
    ("/srv/data/y_test.csv", "path"),
    ("y_test.csv", "path"),
    ("https://example.com/data/y_test.csv", "url"),
    ("http://127.0.0.1:8000/y.csv", "url"),
    (f"https://example.com/file/d/{ID}/view", "url"),  # not Drive, even with a Drive-like path
    ("https://drive.google.com/drive/folders/abc", "url"),
])
def test_sources_that_are_not_drive_files_keep_their_kind(source, expected):
    assert sources.drive_id(source) is None
    assert sources.kind(source) == expected


def test_drive_file_is_fetched_by_id_and_all_its_link_forms_share_one_cached_copy(state):
    calls = []

    def fake_gdown(**options):
        calls.append(options)
        with open(options["output"], "wb") as handle:
            handle.write(GOOD)

    share = f"https://drive.google.com/file/d/{ID}/view?usp=sharing"
    first = sources.local_path("Y_TEST", share, state, ROOT, timeout=7, download=fake_gdown)
    second = sources.local_path("Y_TEST", f"https://drive.google.com/uc?export=download&id={ID}", state, ROOT,
                                download=fake_gdown)

    assert first == second and first.read_bytes() == GOOD
    assert len(calls) == 1
    assert calls[0]["id"] == ID and calls[0]["url"] is None and calls[0]["timeout"] == 7


def test_drive_folder_link_is_refused_with_the_way_to_share_a_file(state):
    with pytest.raises(DataUnavailable, match=r"Y_TEST: .*folders.* without a file id"):
        fetch_y_test(state, "https://drive.google.com/drive/folders/abc")


def test_a_bare_drive_id_is_shown_to_participants_as_a_link():
    assert sources.link(ID) == f"https://drive.google.com/uc?export=download&id={ID}"
    assert sources.link("https://example.com/x.csv") == "https://example.com/x.csv"


# -- failures -------------------------------------------------------------------------------------
def _not_found(server, state):
    server.serve("/y.csv", b"Not Found", status=404, kind="text/plain")
    return {}


def _refused(server, state):
    server.stop()
    return {}


def _html(server, state):
    server.serve("/y.csv", HTML, kind="text/html")
    return {}


def _ragged(server, state):
    server.serve("/y.csv", b"id,target\n1,0\n2,1,7,8\n")
    return {}


def _changed(server, state):
    server.serve("/y.csv", OTHER)
    return {"sha256": hashlib.sha256(GOOD).hexdigest()}


def _slow(server, state):
    server.slow.add("/y.csv")
    return {"timeout": 1}


FAILURES = [
    pytest.param(_not_found, r"HTTP 404 Not Found\. Check the address", id="404"),
    pytest.param(_refused, r"could not connect \(connection refused\)", id="connection-refused"),
    pytest.param(_html, r"is a web page, not the CSV file", id="html-instead-of-csv"),
    pytest.param(_ragged, r"is not a readable CSV \(.*Expected 2 fields", id="unreadable-csv"),
    pytest.param(_changed, r"has sha256 [0-9a-f]{64}, but DATA_SHA256 expects", id="bad-checksum"),
    pytest.param(_slow, r"no answer within DOWNLOAD_TIMEOUT = 1 seconds", id="timeout"),
]


@pytest.mark.parametrize(("break_it", "problem"), FAILURES)
def test_failed_fetch_raises_data_unavailable_naming_the_setting_source_and_problem(server, state, break_it,
                                                                                    problem):
    url = server.url("/y.csv")
    options = break_it(server, state)
    if "sha256" in options:
        options["sha256"] = "0" * 64

    with pytest.raises(DataUnavailable) as raised:
        fetch_y_test(state, url, **options)

    message = str(raised.value)
    assert message.startswith(f"Y_TEST: {url}") or message.startswith(f"Y_TEST: could not download {url}")
    assert re.search(problem, message), message
    assert not sources.cached_path(state, "Y_TEST", url).exists()


@pytest.mark.parametrize(("break_it", "problem"), FAILURES)
def test_failed_refresh_keeps_the_cached_good_file_untouched(server, state, break_it, problem):
    url = server.serve("/y.csv", GOOD)
    path = fetch_y_test(state, url)
    before = path.stat()
    options = break_it(server, state)

    with pytest.raises(DataUnavailable, match=problem):
        fetch_y_test(state, url, refresh=True, **options)

    assert path.read_bytes() == GOOD
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == (before.st_mtime_ns, before.st_ino)
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")) == [path.name]
    assert fetch_y_test(state, url, **{k: v for k, v in options.items() if k != "timeout"}) == path


def test_failed_refresh_of_one_file_keeps_the_competition_loadable_from_the_cache(server, tmp_path, demo_tables):
    urls = serve_demo(server, demo_tables)
    config = url_settings(urls)
    competition.load(config, State(tmp_path / "state"))
    server.serve("/y_test.csv", HTML, kind="text/html")

    with pytest.raises(DataUnavailable, match="Y_TEST: .* is a web page"):
        competition.load(config, State(tmp_path / "state"), refresh=True)

    again = competition.load(config, State(tmp_path / "state"))
    assert again.score_file(submission(demo_tables)).public == pytest.approx(1.0)


def test_unreachable_host_at_first_load_is_data_unavailable_not_a_crash(state, demo_tables):
    urls = {name: f"http://127.0.0.1:{closed_port()}/{file}" for name, file in FILES.items()}

    with pytest.raises(DataUnavailable, match=r"X_TRAIN: could not download .*\(connection refused\)"):
        competition.load(url_settings(urls, DOWNLOAD_TIMEOUT=2), state)


# -- local files ----------------------------------------------------------------------------------
def test_relative_paths_start_at_the_settings_files_folder(tmp_path, state):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "y.csv").write_bytes(GOOD)

    assert sources.local_path("Y_TEST", "data/y.csv", state, tmp_path) == tmp_path / "data" / "y.csv"


def test_missing_local_file_names_the_setting_and_the_full_path(tmp_path, state):
    with pytest.raises(DataUnavailable, match=f"Y_TEST: file {tmp_path / 'nope.csv'} does not exist"):
        sources.local_path("Y_TEST", "nope.csv", state, tmp_path)


@pytest.mark.parametrize(("content", "problem"), [
    (HTML, "is a web page"),
    (b"PK\x03\x04rest-of-a-workbook", "is a workbook, an archive or another binary file"),
    (b"", "is empty"),
])
def test_local_file_that_is_not_a_csv_is_refused(tmp_path, state, content, problem):
    (tmp_path / "y.csv").write_bytes(content)

    with pytest.raises(DataUnavailable, match=f"Y_TEST: y.csv {problem}"):
        sources.local_path("Y_TEST", "y.csv", state, tmp_path)


def test_local_file_with_another_sha256_is_refused(tmp_path, state):
    (tmp_path / "y.csv").write_bytes(GOOD)

    with pytest.raises(DataUnavailable, match="Y_TEST: y.csv has sha256 .* but DATA_SHA256 expects 0000"):
        sources.local_path("Y_TEST", "y.csv", state, tmp_path, sha256="0" * 64)


def test_unknown_demo_file_lists_the_demo_files(state):
    with pytest.raises(DataUnavailable, match="the demo has no file nope.csv; use one of X_train.csv"):
        sources.local_path("Y_TEST", "demo:nope.csv", state, ROOT)


def test_read_csv_file_names_the_setting_and_its_source(tmp_path):
    (tmp_path / "cached.csv").write_bytes(b"a,b\n1,2\n3,4,5,6\n")

    with pytest.raises(DataUnavailable, match=r"Y_TEST: https://example.com/y.csv is not a readable CSV"):
        sources.read_csv_file("Y_TEST", tmp_path / "cached.csv", "https://example.com/y.csv")


def test_csv_shape_counts_every_row(tmp_path):
    pd.DataFrame({"id": range(250_001), "x": 1.5}).to_csv(tmp_path / "big.csv", index=False)

    assert sources.csv_shape("X_TRAIN", "big.csv", tmp_path / "big.csv") == (250_001, 2)
