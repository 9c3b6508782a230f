"""Serving speed: the production web process against nginx, same bytes, same client.

Starts a private redis-server, publishes a realistic channel (``--items`` stored
items) into it, starts gunicorn as the Procfile's ``web`` line does, and nginx
(2 workers) serving the very same Roku feed bytes as a static file (with the
pre-gzipped copy for ``gzip_static``). Then ``wrk`` measures requests per second
for full responses, gzip responses and 304 revalidations on both, and reports
ours as a ratio to nginx. Loopback only; everything is stopped at the end.

    .venv/bin/python -m bench.serve                       # the figures in docs/PERFORMANCE.md
    .venv/bin/python -m bench.serve --seconds 5 --profile # plus a py-spy profile of a worker

Needs wrk and nginx (``apt-get install -y wrk nginx-light``) and redis-server."""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._procs import Nginx, PrivateRedis, free_port, http_get, need, service_env, start_web, which

CHANNEL = "bench"
PATH = f"/feeds/{CHANNEL}/roku.json"
KINDS = ("full", "gzip", "304")


def publish(database_url: str, redis_url: str, items: int) -> dict:
    from bench._procs import seed_channel
    from feeds.backend import Backend
    from feeds.publish import publish_channel
    from feeds.settings import Settings

    settings = Settings(database_url=database_url, redis_url=redis_url, admin_token=None,
                        fetch_allow_private=True, port=0, load_demo=False)
    backend = Backend.from_settings(settings)
    backend.prepare(upgrade=True)
    try:
        seed_channel(backend.Session, CHANNEL, items)
        with backend.Session() as session:
            report = publish_channel(session, backend.snapshots, CHANNEL)
        return report.to_dict()
    finally:
        backend.close()


def wrk(port: int, headers: dict[str, str], args) -> dict:
    command = [which("wrk"), f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s",
               "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{PATH}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    latency = dict(re.findall(r"\s+(50|99)%\s+([\d.]+\w+)", out))
    return {"rps": rps, "requests": total, "non_2xx_3xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else "", "p50": latency.get("50"),
            "p99": latency.get("99")}


def kind_headers(kind: str, etag: str) -> dict[str, str]:
    return {"full": {}, "gzip": {"Accept-Encoding": "gzip"},
            "304": {"If-None-Match": etag}}[kind]


def check_same_bytes(port_ours: int, port_nginx: int) -> dict:
    """Both servers answer each kind as expected, with the same body bytes."""
    status, ours, body = http_get(port_ours, PATH)
    status_n, theirs, body_n = http_get(port_nginx, PATH)
    assert status == status_n == 200 and body == body_n, \
        f"nginx and gunicorn differ: {status} {len(body)} bytes, nginx {status_n} {len(body_n)} bytes"
    _, zipped, gz = http_get(port_ours, PATH, {"Accept-Encoding": "gzip"})
    _, zipped_n, gz_n = http_get(port_nginx, PATH, {"Accept-Encoding": "gzip"})
    assert zipped.get("Content-Encoding") == zipped_n.get("Content-Encoding") == "gzip"
    assert gzip.decompress(gz) == gzip.decompress(gz_n) == body
    assert http_get(port_ours, PATH, {"If-None-Match": ours["ETag"]})[0] == 304
    assert http_get(port_nginx, PATH, {"If-None-Match": theirs["ETag"]})[0] == 304
    return {"ours": ours["ETag"], "nginx": theirs["ETag"], "bytes": len(body),
            "gzip_bytes": len(gz), "gzip_bytes_nginx": len(gz_n)}


def gunicorn_workers(web) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(web.pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def profile(web, port: int, etag: str, args, workdir: Path) -> list[str]:
    """py-spy on one gunicorn worker while wrk loads it: full, then 304."""
    need("py-spy")
    outputs = []
    for kind in ("full", "304"):
        out = Path(args.profile_dir or workdir) / f"profile-{kind}.txt"
        pid = gunicorn_workers(web)[0]
        spy = subprocess.Popen([which("py-spy"), "record", "--pid", str(pid), "--format", "raw",
                                "--duration", str(args.seconds), "--rate", "250", "--gil", "--nonblocking",
                                "--output", str(out)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        wrk(port, kind_headers(kind, etag), args)
        spy.wait(60)
        outputs.append(str(out))
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--rounds", type=int, default=1, help="repeat and keep the median")
    parser.add_argument("--nginx-workers", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="py-spy a gunicorn worker")
    parser.add_argument("--profile-dir")
    parser.add_argument("--json", help="write the figures here as JSON")
    args = parser.parse_args(argv)
    need("wrk", "nginx", "redis-server")

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)  # nginx's workers are not root
        redis = PrivateRedis(workdir).start()
        web = nginx = None
        try:
            database_url = f"sqlite:///{workdir / 'store.db'}"
            report = publish(database_url, redis.url, args.items)
            port = free_port()
            env = service_env(database_url, redis.url)
            web = start_web(env, port, workdir / "gunicorn.log")
            status, headers, body = http_get(port, PATH)
            assert status == 200, (status, body[:200])
            root = workdir / "www"
            (root / "feeds" / CHANNEL).mkdir(parents=True)
            (root / PATH.lstrip("/")).write_bytes(body)
            _, _, zipped = http_get(port, PATH, {"Accept-Encoding": "gzip"})
            (root / (PATH.lstrip("/") + ".gz")).write_bytes(zipped)
            nginx = Nginx(workdir, root, args.nginx_workers).start()
            same = check_same_bytes(port, nginx.port)
            etags = {"ours": same["ours"], "nginx": same["nginx"]}
            print(f"channel {CHANNEL!r}: {report['items']} items; roku.json {same['bytes']} bytes, "
                  f"gzip {same['gzip_bytes']} bytes (nginx serves the same .gz file)")
            print(f"gunicorn: {' '.join(a for a in web.args[1:])}  "
                  f"[WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', 'default')}, "
                  f"WEB_THREADS={os.environ.get('WEB_THREADS', 'default')}]")
            print(f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, "
                  f"nginx {args.nginx_workers} workers, {os.cpu_count()} cores\n")
            for who, p in (("ours", port), ("nginx", nginx.port)):  # warm-up
                for kind in KINDS:
                    subprocess.run([which("wrk"), "-t1", "-c4", "-d1s",
                                    f"http://127.0.0.1:{p}{PATH}"], capture_output=True)
            results: dict[str, dict[str, list[dict]]] = {k: {"ours": [], "nginx": []} for k in KINDS}
            for _round in range(args.rounds):
                for kind in KINDS:
                    for who, p in (("nginx", nginx.port), ("ours", port)):
                        results[kind][who].append(wrk(p, kind_headers(kind, etags[who]), args))
            figures = {}
            print(f"{'kind':6} {'nginx rps':>11} {'ours rps':>10} {'ratio':>7}   "
                  f"{'ours p50/p99':>17}  {'nginx p50/p99':>17}  errors")
            for kind in KINDS:
                pick = {who: sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
                        for who, runs in results[kind].items()}
                ratio = pick["ours"]["rps"] / pick["nginx"]["rps"]
                figures[kind] = {"nginx": pick["nginx"], "ours": pick["ours"], "ratio": round(ratio, 3)}
                errors = pick["ours"]["non_2xx_3xx"] + pick["nginx"]["non_2xx_3xx"]
                print(f"{kind:6} {pick['nginx']['rps']:11.0f} {pick['ours']['rps']:10.0f} "
                      f"{ratio:7.3f}   {pick['ours']['p50']:>8}/{pick['ours']['p99']:<8} "
                      f"{pick['nginx']['p50']:>8}/{pick['nginx']['p99']:<8} "
                      f"{errors} non-2xx/3xx {pick['ours']['socket_errors']}")
            verdict = all(figures[k]["ratio"] >= 0.10 for k in ("full", "304"))
            print(f"\ntarget (>= 0.10 of nginx for full and 304): {'MET' if verdict else 'NOT MET'}")
            if args.profile:
                for path in profile(web, port, etags["ours"], args, workdir):
                    print(f"profile: {path}")
                    if not args.profile_dir:
                        print(top_of_profile(Path(path)))
            if args.json:
                Path(args.json).write_text(json.dumps({
                    "when": time.strftime("%Y-%m-%d %H:%M:%S"), "bytes": same, "report": report,
                    "wrk": vars(args), "figures": figures}, indent=2))
            return 0 if verdict else 1
        finally:
            for proc in (nginx, web):
                if proc:
                    proc.stop()
            redis.stop()


def top_of_profile(path: Path, lines: int = 15) -> str:
    """The heaviest leaf frames of a py-spy raw (collapsed stacks) profile."""
    from collections import Counter

    leaves: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        leaves[stack.split(";")[-1]] += int(count)
    return "\n".join(f"  {100 * n / total:5.1f}%  {frame}" for frame, n in leaves.most_common(lines))


if __name__ == "__main__":
    sys.exit(main())
