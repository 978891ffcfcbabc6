"""The stress run of issue 7: every `stress`-marked test (`pytest -m stress`), then a table of the figures
they measured (runs, rows lost, duplicates, crashes, refused requests).

    python bench/stress.py                 # the stress variants (slow: tens of minutes)
    python bench/stress.py --ci            # the short variants that CI runs, for the same table
    python bench/stress.py --json out.json # also write the figures as JSON
    python bench/stress.py -- -k crash     # extra arguments after -- go to pytest

Tests report a figure by printing one line `FIGURE {json}` (the test name under "test"); this script runs
pytest with output shown (-s), echoes it, and collects those lines. Exit status is pytest's.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURE = re.compile(r"FIGURE (\{.*\})")


def run(ci: bool, extra: list[str]) -> tuple[int, list[dict], float]:
    marker = "not stress" if ci else "stress"
    targets = ["tests/test_reliability_crash.py", "tests/test_reliability_concurrency.py",
               "tests/test_reliability_fuzz.py", "tests/test_reliability_export.py",
               "tests/test_reliability_backup.py", "tests/test_reliability_audit.py",
               "tests/test_web_load.py"] if ci else ["tests"]
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-s", "-q", "-m", marker, *targets, *extra]
    print("$ " + " ".join(command), flush=True)
    started = time.perf_counter()
    figures: list[dict] = []
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            found = FIGURE.search(line)
            if found:
                figures.append(json.loads(found.group(1)))
    return process.returncode, figures, time.perf_counter() - started


def table(figures: list[dict]) -> str:
    lines = ["| test | figures |", "|---|---|"]
    for figure in figures:
        rest = ", ".join(f"{key} {value}" for key, value in figure.items() if key != "test")
        lines.append(f"| {figure.get('test', '?')} | {rest} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ci", action="store_true", help="run the short variants CI runs instead")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args()
    code, figures, elapsed = run(args.ci, args.pytest_args)
    print()
    print(table(figures))
    print(f"\n{'CI' if args.ci else 'stress'} run: pytest exit {code}, {elapsed:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"ci": args.ci, "exit": code, "seconds": round(elapsed),
                                               "figures": figures}, indent=2) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
