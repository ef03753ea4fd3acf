"""What ships: the Docker image's recipe, pinned requirements, the server settings, the README's promises."""

import re
import shutil
import subprocess
import tomllib

import pytest
from conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint is missing: pip install -r requirements-dev.txt"
    result = subprocess.run([hadolint, "--failure-threshold", "warning", str(ROOT / "Dockerfile")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("pattern", [
    r"(?m)^USER (?!root|0\b)\S+",                # runs as a non-root user
    r"(?m)^EXPOSE 8501$",
    r"(?ms)^HEALTHCHECK .*?/_stcore/health",
    r'(?m)^VOLUME \["/state"\]$',
    r"(?m)DATATHON_STATE_DIR=/state",
    r'(?m)^CMD \["streamlit", "run", "main.py"',
])
def test_dockerfile_runs_the_app_safely(pattern):
    assert re.search(pattern, DOCKERFILE)


def test_dockerignore_keeps_tests_and_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {"tests", ".git", "submissions", "submissions.csv", "controls.json", "data"} <= ignored


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_requirements_are_pinned(name):
    lines = [line for line in (ROOT / name).read_text().splitlines() if line and not line.startswith(("#", "-r"))]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line) for line in lines), lines


def test_requirements_keep_the_originals_packages():
    names = {line.split("==")[0] for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line}
    assert {"streamlit", "pandas", "scikit-learn", "gdown"} <= names


def test_server_settings_limit_uploads_and_send_no_usage_statistics():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert 1 <= config["server"]["maxUploadSize"] <= 200
    assert config["browser"]["gatherUsageStats"] is False


def test_the_readme_gives_the_two_commands_and_ci_calls_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"(?m)^test: .*\n\t\$\(PYTHON\) -m pytest", makefile)


def test_the_submit_page_enforces_the_same_upload_limit_as_the_server_settings():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    page = (ROOT / "app_pages" / "submit.py").read_text()
    assert re.search(rf"(?m)^UPLOAD_LIMIT_MB = {config['server']['maxUploadSize']}\b", page)


def test_every_test_the_readme_cites_exists():
    readme = (ROOT / "README.md").read_text()
    cited = set(re.findall(r"`(?:tests/\w+\.py::)?(test_\w+)`", readme))
    source = "".join(path.read_text() for path in (ROOT / "tests").glob("test_*.py"))
    assert cited and [name for name in cited if f"def {name}(" not in source] == []
