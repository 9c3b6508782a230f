"""Every fault drill, one after the other, each in a process of its own; a table
of HELD/LOST at the end (exit 1 when any drill lost).

    .venv/bin/python -m drills.run_all                  # all five
    .venv/bin/python -m drills.run_all worker_kill ...  # some
    .venv/bin/python -m drills.run_all --json-dir out/  # keep each outcome as JSON
"""
from __future__ import annotations

import argparse
import subprocess
import sys
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
    for name in args.drills or DRILLS:
        command = [sys.executable, "-m", f"drills.{name}"]
        if args.json_dir:
            Path(args.json_dir).mkdir(parents=True, exist_ok=True)
            command += ["--json", str(Path(args.json_dir) / f"{name}.json")]
        print(f"\n=== {name} ===", flush=True)
        started = time.monotonic()
        try:
            code = subprocess.run(command, cwd=REPO, timeout=args.timeout).returncode
            outcome = "HELD" if code == 0 else "LOST"
        except subprocess.TimeoutExpired:
            outcome = "LOST (timed out)"
        outcomes.append((name, outcome, time.monotonic() - started))
    print("\n drill              outcome   seconds")
    for name, outcome, seconds in outcomes:
        print(f" {name:18} {outcome:9} {seconds:7.0f}")
    return 0 if all(o == "HELD" for _, o, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
