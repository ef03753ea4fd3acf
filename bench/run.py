"""Benchmark: `python bench/run.py [--quick]` times scoring, the pages and concurrent uploads on generated data.

Each case runs several times after a warm-up; the tables give medians, the baselines measured in the
same run, their ratios and the targets of issue 7. Not part of the test run (tests only run --quick).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (str(HERE), str(ROOT)):
    if path not in sys.path:
        sys.path.insert(0 if path == str(HERE) else 1, path)

import report  # noqa: E402

CASES = ("scoring", "pages", "concurrency")
FULL = {"rows": 1_000_000, "repeats": 7, "log_sizes": [10_000, 100_000, 1_000_000], "main_size": 100_000,
        "teams": 1_000, "processes": 8, "per_process": 25}
QUICK = {"rows": 2_000, "repeats": 1, "log_sizes": [200, 2_000], "main_size": 2_000, "teams": 20,
         "processes": 2, "per_process": 2}

NOTES = """\
How to read this: medians of {repeats} run(s) after one warm-up, ours and its baselines taking turns in the
same process. Other work on this machine (see the load average) slows every variant alike.
1. Scoring: ours is `submissions.submit` (read, validate, align by id, score, store the file with
fsync, rewrite the log and leaderboard.csv). Every variant scores the same two parts (public 30 %,
private 70 %): two metric calls on all rows in total. (a) parses the bytes with pyarrow and scores
arrays that are already aligned and split; (b) is the original's pandas.read_csv(index_col=0) and the
metric against a target in memory, split by the same masks but never aligned (the original trusted the
row order). Peak memory: a fresh process per measurement, the file already in memory, freed heap given
back to the system, the kernel's peak-RSS mark reset (/proc/self/clear_refs), then peak (VmHWM) minus
the RSS before: numpy, pyarrow and Python allocations alike, plus what the allocators keep. This decides
PASS/FAIL. "Live allocations" is a second run under tracemalloc (numpy and Python) plus pyarrow's pool
peak: an upper bound of what the code itself holds at once.
2. Pages: AppTest of main.py, logged in as a team through the login form; each timed run is one rerun of
the frame and the page after switching to it. The log is cached on its file version, as in the app;
"after the log changed" rewrites the file (same bytes) before each run, as any team's upload does.
3. Concurrency: spawned processes each warm up on a scratch directory, wait on a barrier, then submit;
throughput is submissions over the wall time from the barrier to the last one. The log is then checked:
one row per submission, unique ids, each team's count, every stored file, leaderboard.csv's counts.
"""


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and one repeat (what the tests run)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated subset of {', '.join(CASES)}")
    parser.add_argument("--repeats", type=int, help="timed runs per measurement (after one warm-up)")
    parser.add_argument("--rows", type=int, help="rows of the scoring case's target and submission")
    parser.add_argument("--metric", choices=["roc_auc", "average_precision"], default="roc_auc")
    parser.add_argument("--workdir", help="where to generate data (default: a temporary directory, removed after)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails, not only on errors")
    args = parser.parse_args(argv)
    unknown = set(args.cases.split(",")) - set(CASES)
    if unknown:
        parser.error(f"unknown case(s) {sorted(unknown)}; choose from {', '.join(CASES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    sizes = dict(QUICK if args.quick else FULL)
    sizes["repeats"] = args.repeats or sizes["repeats"]
    sizes["rows"] = args.rows or sizes["rows"]
    print("# Datathon benchmark" + (" (--quick: tiny sizes, timings meaningless)" if args.quick else ""))
    print()
    print(report.machine())
    print()
    print(NOTES.format(repeats=sizes["repeats"]))
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        return run(Path(args.workdir), args, sizes)
    with tempfile.TemporaryDirectory(prefix="datathon-bench-") as workdir:
        return run(Path(workdir), args, sizes)


def run(workdir: Path, args: argparse.Namespace, sizes: dict) -> int:
    chosen = args.cases.split(",")
    started = time.perf_counter()
    all_rows, problems = [], []
    if "scoring" in chosen:
        import case_scoring

        rows, found = case_scoring.run(workdir, sizes["rows"], sizes["repeats"], args.metric)
        _show("1. Scoring one submission", rows, all_rows, problems, found)
    if "pages" in chosen:
        import case_pages

        rows, found = case_pages.run(workdir, sizes["log_sizes"], sizes["main_size"], sizes["teams"],
                                     sizes["repeats"])
        _show("2. Pages over a large submission log", rows, all_rows, problems, found)
    if "concurrency" in chosen:
        import case_concurrency

        rows, found = case_concurrency.run(workdir, sizes["processes"], sizes["per_process"])
        _show("3. Concurrent submissions", rows, all_rows, problems, found)
    failed = [r for r in all_rows if r.ok is False]
    print(f"Targets: {sum(r.ok is True for r in all_rows)} pass, {len(failed)} fail. "
          f"Benchmark took {time.perf_counter() - started:.0f} s; load average {report.load()} at the end.")
    for problem in problems:
        print(f"ERROR: {problem}")
    return 1 if problems or (args.strict and failed) else 0


def _show(title: str, rows: list, all_rows: list, problems: list, found: list[str]) -> None:
    print(report.table(title, rows), flush=True)
    all_rows += rows
    problems += found


if __name__ == "__main__":
    sys.exit(main())
