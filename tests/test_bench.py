"""The benchmark command runs end to end (with tiny sizes); its timings are never asserted here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "| case | median | baseline(s) | ratio | target | result |"


def test_quick_benchmark_runs_every_case_and_prints_the_tables(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATATHON_")}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--workdir", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "Machine: CPU:" in out
    for title in ("### 1. Scoring one submission", "### 2. Pages over a large submission log",
                  "### 3. Concurrent submissions"):
        assert title in out
    assert out.count(HEADER) == 3
    assert "ERROR:" not in out
