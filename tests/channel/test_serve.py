"""``channel serve``, the embedded mode's one process: it says where it serves only
once it does, and says why when it cannot."""
from __future__ import annotations

import socket
import sys

import pytest

from bench._procs import REPO, Proc, free_port, http_get, wait_for

pytestmark = pytest.mark.slow


def serve(tmp_path, port: int) -> tuple[Proc, object]:
    env = {"PATH": "/usr/bin:/bin", "CHANNEL_INSTANCE_DIR": str(tmp_path / "instance"),
           "PYTHONPATH": str(REPO)}
    log = tmp_path / "serve.log"
    return Proc([sys.executable, "-m", "channel", "serve", "--port", str(port)], log, env=env), log


def test_serve_announces_its_address_once_it_answers(tmp_path):
    port = free_port()
    proc, log = serve(tmp_path, port)
    try:
        wait_for(lambda: "serving on" in log.read_text() or not proc.alive(), 120, 0.2, "serve to start")
        assert proc.alive(), log.read_text()
        assert f"http://127.0.0.1:{port}/" in log.read_text()
        assert http_get(port, "/healthz")[0] == 200
    finally:
        proc.stop()


def test_serve_on_a_port_in_use_exits_saying_so(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        proc, log = serve(tmp_path, taken.getsockname()[1])
        wait_for(lambda: not proc.alive(), 120, 0.2, "serve to give up")
    assert proc.process.returncode == 1
    output = log.read_text()
    assert "is in use" in output and "serving on" not in output
    assert "Traceback" not in output
