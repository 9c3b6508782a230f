"""The project's own rules: the locks agree with pyproject.toml, and a layer crossed
in DESIGN.md's layout is caught by import-linter."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)", re.M)
DIRECT = "channel-feeds (pyproject.toml)"


def read_lock(name: str) -> tuple[dict[str, str], set[str], dict[str, int]]:
    """Pins, the packages pyproject asks for directly (pip-compile's ``via``), and
    how many hashes each pin carries."""
    text = (REPO / name).read_text()
    blocks = re.split(r"^(?=[A-Za-z0-9_.-]+==)", text, flags=re.M)[1:]
    pins, direct, hashes = {}, set(), {}
    for block in blocks:
        package, version = PIN.match(block).groups()
        key = canonicalize_name(package)
        pins[key], hashes[key] = version, block.count("--hash=sha256:")
        if DIRECT in block:
            direct.add(key)
    return pins, direct, hashes


def wanted(*groups: list[str]) -> dict[str, Requirement]:
    requirements = [Requirement(line) for group in groups for line in group]
    return {canonicalize_name(requirement.name): requirement for requirement in requirements}


@pytest.mark.parametrize("lock, groups", [
    ("requirements.txt", [PYPROJECT["dependencies"]]),
    ("requirements-dev.txt", [PYPROJECT["dependencies"], PYPROJECT["optional-dependencies"]["dev"]]),
])
def test_each_lock_pins_what_pyproject_asks_for_with_hashes(lock, groups):
    pins, direct, hashes = read_lock(lock)
    asked = wanted(*groups)
    assert direct == set(asked), f"{lock} is stale: run `make lock`"
    for name, requirement in asked.items():
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {name}=={pins[name]}, pyproject asks for {requirement}: run `make lock`")
    assert all(hashes.values()), f"{lock} has pins without hashes"


def test_the_dev_lock_installs_the_same_versions_as_the_runtime_lock():
    runtime, _, _ = read_lock("requirements.txt")
    dev, _, _ = read_lock("requirements-dev.txt")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_a_crossed_layer_fails_the_import_check(tmp_path):
    for folder in ("feeds", "channel", "workers"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    lint = [str(Path(sys.executable).with_name("lint-imports"))]
    kept = subprocess.run(lint, cwd=tmp_path, capture_output=True, text=True)
    assert kept.returncode == 0, kept.stdout

    with open(tmp_path / "feeds" / "store" / "ids.py", "a") as module:
        module.write("\nfrom feeds.formats import roku  # noqa: E402,F401\n")
    broken = subprocess.run(lint, cwd=tmp_path, capture_output=True, text=True)
    assert broken.returncode == 1
    assert "feeds.store is not allowed to import feeds.formats" in broken.stdout
