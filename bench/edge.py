"""The caching edge (deploy/nginx.conf in front of the Procfile's web) against nginx
serving the same bytes as static files, in one run: requests per second through each,
for a full answer, a gzip answer and a 304, and their ratio (target: at least 0.9).

    .venv/bin/python -m bench.edge [--items 300] [--seconds 10] [--rounds 3]

Needs wrk, nginx and redis-server (``apt-get install -y wrk nginx-light``)."""
from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from bench._procs import Edge, Nginx, PrivateRedis, free_port, http_get, need, service_env, start_web, which
from bench.serve import KINDS, PATH, check_same_bytes, kind_headers, publish, wrk

TARGET = 0.9


def static_copy(port: int, workdir: Path) -> Path:
    """The published feed and its gzip as files, for nginx's gzip_static."""
    root = workdir / "www"
    (root / PATH.lstrip("/")).parent.mkdir(parents=True)
    (root / PATH.lstrip("/")).write_bytes(http_get(port, PATH)[2])
    (root / (PATH.lstrip("/") + ".gz")).write_bytes(http_get(port, PATH, {"Accept-Encoding": "gzip"})[2])
    return root


def measure(edge: int, nginx: int, etags: dict[str, str], args) -> dict[str, dict]:
    for port in (edge, nginx):
        subprocess.run([which("wrk"), "-t1", "-c4", "-d1s", f"http://127.0.0.1:{port}{PATH}"],
                       capture_output=True)
    runs: dict[str, dict[str, list[dict]]] = {kind: {"edge": [], "nginx": []} for kind in KINDS}
    for _ in range(args.rounds):
        for kind in KINDS:
            for who, port in (("nginx", nginx), ("edge", edge)):
                runs[kind][who].append(wrk(port, kind_headers(kind, etags[who]), args))
    return {kind: {who: sorted(found, key=lambda r: r["rps"])[len(found) // 2]
                   for who, found in by_who.items()} for kind, by_who in runs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument("--rounds", type=int, default=3, help="repeat and keep the median")
    args = parser.parse_args(argv)
    need("wrk", "nginx", "redis-server")
    with tempfile.TemporaryDirectory(prefix="bench-edge-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)
        redis = PrivateRedis(workdir).start()
        web = edge = nginx = None
        try:
            database_url = f"sqlite:///{workdir / 'store.db'}"
            report = publish(database_url, redis.url, args.items)
            port = free_port()
            web = start_web(service_env(database_url, redis.url), port, workdir / "gunicorn.log")
            edge = Edge(workdir, port).start()
            nginx = Nginx(workdir, static_copy(port, workdir)).start()
            same = check_same_bytes(edge.port, nginx.port)
            print(f"{report['items']} items; roku.json {same['bytes']} bytes, gzip {same['gzip_bytes']}; "
                  f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, median of {args.rounds}\n")
            picked = measure(edge.port, nginx.port, {"edge": same["ours"], "nginx": same["nginx"]}, args)
            print(f"{'kind':6} {'nginx rps':>11} {'edge rps':>10} {'ratio':>7}")
            ratios = {}
            for kind, pick in picked.items():
                ratios[kind] = pick["edge"]["rps"] / pick["nginx"]["rps"]
                print(f"{kind:6} {pick['nginx']['rps']:11.0f} {pick['edge']['rps']:10.0f} {ratios[kind]:7.3f}"
                      f"   errors {pick['edge']['non_2xx_3xx']} {pick['edge']['socket_errors']}")
            met = all(ratio >= TARGET for ratio in ratios.values())
            print(f"\ntarget (>= {TARGET} of nginx for each kind): {'MET' if met else 'NOT MET'}")
            return 0 if met else 1
        finally:
            for proc in (nginx, edge, web):
                if proc:
                    proc.stop()
            redis.stop()


if __name__ == "__main__":
    raise SystemExit(main())
