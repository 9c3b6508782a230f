"""What artwork and media checks cost.

    .venv/bin/python -m bench.artwork [--images 1000] [--checks 1000] [--workers 1,8,32] [--latency-ms 50]

Tiles: ``--images`` source images of mixed shapes and formats (100 distinct ones, made
here: landscape, 4:3, portrait, square, PNG with alpha, large 12 MP, small; cycled),
each made into a 1280x720 tile (``feeds.ingest.artwork.make_tile``: decode, crop or
fill, encode), against Pillow's plain ``Image.thumbnail((1280, 720))`` + JPEG save of
the same images in the same run. Time per image and the ratio (target: at most 3x);
each pass runs in a process of its own, whose peak memory is reported.

Media checks: ``--checks`` URLs (half HLS master playlists, half MP4 files answering
ranged GETs) on a local threaded HTTP server, checked through the guarded fetcher
(``feeds.ingest.media_checks.check_media``) with each number of ``--workers``
threads: wall time and checks per second. ``--latency-ms`` makes the server wait before
each answer, as a distant CDN does: on loopback the checks are bound by the CPU alone.
"""
from __future__ import annotations

import argparse
import io
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from feeds.ingest.artwork import make_tile
from feeds.ingest.media_checks import check_media

SHAPES = [((1920, 1080), "JPEG", 30), ((1600, 1200), "JPEG", 15), ((1080, 1920), "JPEG", 15),
          ((1200, 1200), "PNG", 10), ((1000, 1000), "PNGA", 5), ((4000, 3000), "JPEG", 10),
          ((900, 500), "JPEG", 10), ((1280, 720), "WEBP", 5)]


def photo(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """Something that compresses like a photo: gradients, shapes and grain."""
    width, height = size
    base = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.blend(base, Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3))), 0.5)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(20, max(21, min(size) // 4))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    grain = Image.effect_noise(size, 24).convert("RGB")
    return Image.blend(image, grain, 0.15).filter(ImageFilter.SMOOTH)


def sources(count: int = 100) -> list[bytes]:
    rng = random.Random(7)
    kinds = [shape for shape in SHAPES for _ in range(shape[2])]
    made = []
    for n in range(count):
        size, fmt, _ = kinds[n * len(kinds) // count]
        image = photo(size, rng)
        out = io.BytesIO()
        if fmt == "PNGA":
            image.putalpha(Image.linear_gradient("L").resize(size))
            image.save(out, "PNG")
        else:
            image.save(out, fmt, **({"quality": 88} if fmt == "JPEG" else {}))
        made.append(out.getvalue())
    return made


def thumbnail(body: bytes) -> bytes:
    image = Image.open(io.BytesIO(body))
    image.thumbnail((1280, 720))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def tile(body: bytes) -> bytes:
    return make_tile(body).body


def peak_mb() -> float:
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss``, not carried
    over from the parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_pass(kind: str, folder: str, count: int) -> None:
    """Run in a process of its own, so that its peak memory is the pass's alone."""
    distinct = [path.read_bytes() for path in sorted(Path(folder).iterdir())]
    bodies = (distinct[n % len(distinct)] for n in range(count))
    started = time.perf_counter()
    for body in bodies:
        (tile if kind == "tile" else thumbnail)(body)
    print(f"{time.perf_counter() - started} {peak_mb()}")


def bench_tiles(count: int) -> None:
    distinct = sources()
    print(f"{count} source images ({len(distinct)} distinct, {sum(map(len, distinct)) // 1024} KB, cycled)")
    with tempfile.TemporaryDirectory() as folder:
        for n, body in enumerate(distinct):
            (Path(folder) / f"{n:03d}").write_bytes(body)
        results = {}
        for kind, label in (("thumbnail", "Pillow thumbnail + save"), ("tile", "our 16:9 tile")):
            out = subprocess.run([sys.executable, "-m", "bench.artwork", "--pass", kind, "--dir", folder,
                                  "--images", str(count)], capture_output=True, text=True, check=True)
            seconds, peak = map(float, out.stdout.split())
            results[kind] = seconds
            print(f"  {label:<24} {seconds * 1000 / count:6.1f} ms/image   peak {peak:.0f} MB (its process)")
    print(f"  ratio {results['tile'] / results['thumbnail']:.2f}x")


MASTER = (b"#EXTM3U\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"s\",NAME=\"en\",LANGUAGE=\"en\",URI=\"en.m3u8\"\n"
          b"#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,SUBTITLES=\"s\"\n1080.m3u8\n")
HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 65536


class Media(BaseHTTPRequestHandler):
    latency = 0.0

    def do_GET(self) -> None:  # noqa: N802
        time.sleep(self.latency)
        if self.path.endswith(".m3u8"):
            self._send(200, MASTER, "application/vnd.apple.mpegurl")
            return
        found = re.match(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
        end = min(int(found.group(2)), len(HEAD) - 1) if found else len(HEAD) - 1
        self._send(206, HEAD[:end + 1], "video/mp4", {"Content-Range": f"bytes 0-{end}/50000000"})

    def _send(self, status: int, body: bytes, kind: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def bench_checks(count: int, workers: list[int], latency_ms: float) -> None:
    Media.latency = latency_ms / 1000
    server = ThreadingHTTPServer(("127.0.0.1", 0), Media)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = [(f"{base}/v/{n}.m3u8", "HLS") if n % 2 else (f"{base}/v/{n}.mp4", "MP4") for n in range(count)]
    print(f"{count} media checks (half HLS masters, half ranged MP4 GETs), local threaded server "
          f"answering after {latency_ms:g} ms")
    for size in workers:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=size) as pool:
            results = list(pool.map(lambda pair: check_media(pair[0], pair[1], allow_private=True), urls))
        wall = time.perf_counter() - started
        failed = sum(not r.ok for r in results)
        print(f"  {size:>3} workers: {wall:6.2f} s   {count / wall:7.0f} checks/s   failed {failed}")
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--workers", default="1,8,32")
    parser.add_argument("--pass", dest="one_pass", choices=["tile", "thumbnail"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="the server waits this long before answering, as a CDN far away does")
    args = parser.parse_args()
    if args.one_pass:
        one_pass(args.one_pass, args.dir, args.images)
        return
    if args.images:
        bench_tiles(args.images)
    if args.checks:
        bench_checks(args.checks, [int(n) for n in args.workers.split(",")], args.latency_ms)


if __name__ == "__main__":
    main()
