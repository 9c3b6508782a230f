"""``channel publishes|diff|restore|release|report`` on the demo channel."""
from __future__ import annotations

import orjson
import pytest

from feeds.store.tables import Channel
from workers.jobs import publish


@pytest.fixture
def cli(demo_app):
    runner = demo_app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def rename_and_publish(demo_app, name: str) -> None:
    backend = demo_app.extensions["backend"]
    with backend.Session() as session:
        session.get(Channel, "demo").provider_name = name
        session.commit()
    assert publish(backend, "demo", trigger="test") is not None


def test_publishes_diff_restore_release_report(cli, demo_app):
    client = demo_app.test_client()
    first_etag = client.get("/feeds/demo/roku.json").headers["ETag"]
    rename_and_publish(demo_app, "Demo News, later")

    listed = orjson.loads(cli("publishes", "demo", "--json").output)["publishes"]
    latest, first = listed[0], listed[-1]
    assert latest["live"] and latest["trigger"] == "test" and first["etags"]["roku.json"] == first_etag
    assert "LIVE" in cli("publishes", "demo").output.splitlines()[0]

    changes = orjson.loads(cli("diff", "demo", str(latest["id"]), "--against", str(first["id"]), "--json").output)
    assert changes["items"] == {"added": [], "removed": [], "changed": []}
    assert changes["sizes"]["roku.json"]["change"] != 0 and "roku.json" in changes["summary"]

    restored = cli("restore", "demo", str(first["id"]))
    assert restored.exit_code == 0 and "is held" in restored.output
    assert client.get("/feeds/demo/roku.json").headers["ETag"] == first_etag
    assert cli("publishes", "demo").output.startswith("held by cli")

    released = cli("release", "demo", "--json")
    assert released.exit_code == 0 and orjson.loads(released.output)["released"] is True
    assert client.get("/feeds/demo/roku.json").headers["ETag"] != first_etag

    report = cli("report", "demo")
    assert report.exit_code == 0 and report.output.startswith("publish ")
    assert "roku.json " in report.output.splitlines()[0] and "{" not in report.output


def test_unknown_channels_and_publishes_fail_clearly(cli):
    assert cli("publishes", "nope").exit_code == 1
    missing = cli("restore", "demo", "999999")
    assert missing.exit_code == 1 and "no publish 999999" in missing.output
    assert cli("diff", "demo", "1", "--against", "yesterday").exit_code == 2
