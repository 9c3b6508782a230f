"""Every fault drill, one after the other, each in a process of its own; a table
of their verdicts at the end (exit 1 unless every drill HELD): HELD, BROKE (a
check failed), LOST (a process the drill relies on died during it), or ERROR
(the drill could not run, or ran out of time).

    .venv/bin/python -m drills.run_all                  # all five
    .venv/bin/python -m drills.run_all worker_kill ...  # some
    .venv/bin/python -m drills.run_all --json-dir out/  # keep each outcome as JSON
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DRILLS = ("redis_restart", "worker_kill", "upstream_flap", "postgres_restart", "sqlite_readonly")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drills", nargs="*", help=f"some of {', '.join(DRILLS)} (all by default)")
    parser.add_argument("--json-dir")
    parser.add_argument("--timeout", type=float, default=240, help="seconds per drill")
    args = parser.parse_args()
    unknown = [name for name in args.drills if name not in DRILLS]
    if unknown:
        parser.error(f"no such drill: {', '.join(unknown)}")
    outcomes = []
    scratch = tempfile.TemporaryDirectory(prefix="drills-")
    json_dir = Path(args.json_dir or scratch.name)
    json_dir.mkdir(parents=True, exist_ok=True)
    for name in args.drills or DRILLS:
        outcome_file = json_dir / f"{name}.json"
        outcome_file.unlink(missing_ok=True)
        command = [sys.executable, "-m", f"drills.{name}", "--json", str(outcome_file)]
        print(f"\n=== {name} ===", flush=True)
        started = time.monotonic()
        try:
            code = subprocess.run(command, cwd=REPO, timeout=args.timeout).returncode
            outcome = verdict_of(outcome_file, code)
        except subprocess.TimeoutExpired:
            outcome = "ERROR (timed out)"
        outcomes.append((name, outcome, time.monotonic() - started))
    scratch.cleanup()
    print("\n drill              outcome            seconds")
    for name, outcome, seconds in outcomes:
        print(f" {name:18} {outcome:18} {seconds:7.0f}")
    return 0 if all(o == "HELD" for _, o, _ in outcomes) else 1


def verdict_of(outcome_file: Path, code: int) -> str:
    """The verdict the drill wrote down; without one, it could not run."""
    try:
        return json.loads(outcome_file.read_text())["verdict"]
    except (OSError, ValueError, KeyError):
        return f"ERROR (exit {code})"


if __name__ == "__main__":
    sys.exit(main())
