"""A publish the validator refuses is written in the channel's audit log, and the tick
does not ask again for what that build already tried to carry."""
from __future__ import annotations

from datetime import timedelta

import feeds.publish
from feeds.dates import utcnow
from feeds.store import audit, editorial, schedule
from feeds.store.tables import Item
from workers import jobs


def test_a_refused_publish_is_audited_and_not_asked_for_again(demo_app, monkeypatch):
    backend, client = demo_app.extensions["backend"], demo_app.test_client()
    asked: list[str] = []
    item = client.get("/api/v1/channels/demo/items").get_json()["items"][0]
    with backend.Session() as session:  # as the admin API does, less the publish it asks for
        editorial.change_item(session, session.get(Item, item["id"]), {"hidden": True}, "ed", utcnow())
        session.commit()
    live = client.get("/feeds/demo/roku.json").headers["ETag"]
    real_builder = feeds.publish.build_roku_feed

    def broken(*args, **kwargs):  # a builder bug: the validator must refuse its feed
        build = real_builder(*args, **kwargs)
        del build.doc["providerName"]
        return build

    monkeypatch.setattr(feeds.publish, "build_roku_feed", broken)
    assert jobs.publish(backend, "demo", trigger="editorial (ed)") is None
    with backend.Session() as session:
        [refused] = [e for e in audit.entries(session, "demo", 5) if e.action == audit.REFUSED]
        assert refused.target == "editorial (ed)" and "providerName" in refused.details["error"]
    later = utcnow() + timedelta(minutes=2)
    assert schedule.publish_missed_edits(backend.Session, lambda c, t: asked.append(c), later) == []
    assert schedule.publish_windows_turned(backend.Session, lambda c, t: asked.append(c), later) == []
    assert client.get("/feeds/demo/roku.json").headers["ETag"] == live, "the last good feeds stay on the air"
