"""The command line, through Flask's CLI runner on a temporary store."""
from __future__ import annotations

import orjson
import pytest

from feeds.formats.validate import validate_feed
from feeds.formats.validate_kind import validate_any


@pytest.fixture
def cli(demo_app):
    runner = demo_app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def test_export_writes_the_published_roku_feed(cli, tmp_path):
    result = cli("export", "--channel", "demo", "--format", "roku", "--output", str(tmp_path / "f.json"))
    assert result.exit_code == 0, result.output
    assert validate_feed(orjson.loads((tmp_path / "f.json").read_bytes())) == []


@pytest.mark.parametrize("fmt, kind", [("jsonfeed", "jsonfeed"), ("google", "google"), ("search", "search")])
def test_export_writes_every_feed_the_validator_knows(cli, tmp_path, fmt, kind):
    result = cli("export", "--channel", "demo", "--format", fmt, "--output", str(tmp_path / "f.json"))
    assert result.exit_code == 0, result.output
    assert validate_any((tmp_path / "f.json").read_bytes()) == (kind, [])


def test_export_of_an_unknown_channel_fails_clearly(cli):
    result = cli("export", "--channel", "nope")
    assert result.exit_code == 1 and "nope" in result.output


def test_sources_add_list_remove(cli):
    added = cli("sources", "add", "--channel", "demo", "--kind", "rss",
                "--url", "https://news.example/feed.xml", "--every", "1h")
    assert added.exit_code == 0, added.output
    source_id = added.output.split()[2].rstrip(":")
    assert "https://news.example/feed.xml" in cli("sources", "list").output
    assert cli("sources", "remove", source_id).exit_code == 0
    assert "https://news.example/feed.xml" not in cli("sources", "list").output


def test_sources_add_refuses_bad_values(cli):
    result = cli("sources", "add", "--channel", "demo", "--kind", "rss", "--url", "not a url",
                 "--every", "sometimes")
    assert result.exit_code == 1
    assert "url" in result.output and "every" in result.output


def test_import_is_idempotent_and_reports_bad_entries(cli, tmp_path):
    file = tmp_path / "sources.toml"
    file.write_text("""
[[channels]]
id = "world"
title = "World News"

[[sources]]
channel = "world"
kind = "rss"
url = "https://world.example/feed.xml"
every = "10m"

[[sources]]
channel = "world"
kind = "live"
url = "https://world.example/live.m3u8"
title = "World Live"
""")
    first = cli("sources", "import", str(file))
    assert first.exit_code == 0, first.output
    assert "2 sources added" in first.output
    second = cli("sources", "import", str(file))
    assert "0 sources added, 2 already there" in second.output
    file.write_text(file.read_text() + '\n[[sources]]\nchannel = "world"\nkind = "tv"\nurl = "x"\n')
    third = cli("sources", "import", str(file))
    assert third.exit_code == 1 and "sources #3" in third.output


def test_import_of_broken_toml_says_so(cli, tmp_path):
    file = tmp_path / "bad.toml"
    file.write_text("[[sources]\nchannel = ")
    result = cli("sources", "import", str(file))
    assert result.exit_code == 1 and "not valid TOML" in result.output


def test_validate_prints_one_line_per_problem(cli, tmp_path):
    good = tmp_path / "good.json"
    assert cli("export", "--channel", "demo", "--output", str(good)).exit_code == 0
    assert cli("validate", str(good)).exit_code == 0
    doc = orjson.loads(good.read_bytes())
    del doc["providerName"]
    doc["shortFormVideos"][0]["shortDescription"] = "x" * 250
    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps(doc))
    result = cli("validate", str(bad))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert any(line.startswith("/shortFormVideos/0/shortDescription: ") for line in lines)
    assert any(line.startswith("/: ") and "providerName" in line for line in lines)


def test_refresh_reports_and_exits_1_on_failure(cli, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data("gone", status=410)
    added = cli("sources", "add", "--channel", "demo", "--kind", "rss", "--url", httpserver.url_for("/feed.xml"))
    source_id = added.output.split()[2].rstrip(":")
    result = cli("refresh", source_id)
    assert result.exit_code == 1 and "410" in result.output
