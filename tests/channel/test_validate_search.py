"""The validator (``POST /tools/validate`` and ``channel validate``) recognises a Roku
Search feed and checks it against the search schema, not as a Direct Publisher feed."""
from __future__ import annotations

import copy

import orjson
import pytest

# Roku's simple search feed example (rokudev/search-feed-json), with its one slip
# ("language" for "languages" in a title) corrected.
SEARCH_EXAMPLE = {
    "version": "1", "defaultLanguage": "en", "defaultAvailabilityCountries": ["us", "mx"],
    "assets": [{
        "id": "shortform-voice-control", "type": "shortForm",
        "titles": [{"value": "Voice Features", "languages": ["en"]},
                   {"value": "Funciones de Voz", "languages": ["es"]}],
        "shortDescriptions": [{"value": "A video highlighting Direct to Play and Enhanced Voice Control features",
                               "languages": ["en"]}],
        "longDescriptions": [{"value": "A video highlighting Direct to Play and Enhanced Voice Control features on Roku",
                              "languages": ["en"]}],
        "releaseDate": "2020-01-17", "genres": ["educational"],
        "advisoryRatings": [{"source": "USA_PR", "value": "TVG"}],
        "images": [{"type": "main", "url": "https://images.sr.roku.com/test/simple-shortform.png",
                    "languages": ["en", "es"]}],
        "durationInSeconds": 98,
        "content": {"playOptions": [{"license": "free", "quality": "uhd", "playId": "shortform-voice-control",
                                     "availabilityStartTimeStamp": 1565085600000,
                                     "availabilityEndTimeStamp": 2524546800000,
                                     "availabilityInfo": {"country": ["us", "mx"]}}]},
    }],
}


def post(client, doc) -> dict:
    response = client.post("/tools/validate", data=orjson.dumps(doc), content_type="application/json")
    assert response.status_code == 200
    return response.get_json()


def test_roku_search_example_is_valid(client):
    assert post(client, SEARCH_EXAMPLE) == {"valid": True, "errors": []}


def test_a_broken_search_feed_is_checked_against_the_search_schema(client):
    broken = copy.deepcopy(SEARCH_EXAMPLE)
    broken["assets"][0]["type"] = "movieClip"
    del broken["assets"][0]["titles"]
    result = post(client, broken)
    assert result["valid"] is False
    assert {e["path"] for e in result["errors"]} >= {"/assets/0/type", "/assets/0"}
    assert not any("providerName" in e["message"] for e in result["errors"])


@pytest.mark.parametrize("doc, said, code", [(SEARCH_EXAMPLE, "valid Roku Search feed", 0)])
def test_the_cli_names_the_kind_it_checked(app, tmp_path, doc, said, code):
    path = tmp_path / "search.json"
    path.write_bytes(orjson.dumps(doc))
    result = app.test_cli_runner().invoke(args=["validate", str(path)])
    assert result.exit_code == code and said in result.output
