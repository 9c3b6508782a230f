"""The lead image's caption where news pages put it: a figcaption, an element marked as
caption or credit beside or under the picture, WordPress's wp-caption-text, the JSON-LD
ImageObject, the image's title; never an alt text or the caption of another picture."""
from __future__ import annotations

import json

import pytest

from feeds.ingest.article import parse_article

URL = "https://news.example/town/bridge"
STORY = "".join(
    f"<p>Paragraph {n}: the council voted on Tuesday to approve the new bridge across the river, "
    f"ending a debate that lasted more than two years and divided the town.</p>" for n in range(1, 5))
OG_IMAGE = '<meta property="og:image" content="https://cdn.news.example/photos/bridge-opening.jpg?w=1200">'


def caption(body: str, head: str = OG_IMAGE) -> str:
    html = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bridge opens</title>'
            f"{head}</head><body>{body}</body></html>")
    return parse_article(html, URL).image_caption


def jsonld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_figcaption_of_the_figure_showing_og_image():
    body = ('<article><h1>Bridge opens</h1><figure><img src="/img/old-bridge.jpg">'
            "<figcaption>The old bridge in 1950.</figcaption></figure>" + STORY +
            '<figure><img src="https://cdn.news.example/photos/bridge-opening.jpg?w=600">'
            "<figcaption>Crowds at the opening. (Photo: Town Hall)</figcaption></figure></article>")
    assert caption(body) == "Crowds at the opening. (Photo: Town Hall)"


def test_caption_and_credit_elements_under_the_image():
    body = ('<article><h1>Bridge opens</h1><div class="hero"><div class="hero__media"><picture>'
            '<source srcset="https://cdn.news.example/photos/800/bridge-opening.jpg 800w">'
            '<img src="data:image/gif;base64,R0lGOD" alt="A bridge"></picture></div>'
            '<div class="hero__meta"><p class="hero__caption">Crowds at the opening.</p>'
            '<p class="hero__credit">Photo: J. Smith</p></div></div>' + STORY + "</article>")
    assert caption(body) == "Crowds at the opening. Photo: J. Smith"


@pytest.mark.parametrize("marker", [
    'class="image-caption"', 'class="Caption"', 'class="photo-credit"', 'role="caption"',
    'itemprop="caption"'])
def test_element_marked_as_caption_or_credit_beside_the_image(marker):
    body = (f'<article><h1>Bridge opens</h1><div><img data-src="/photos/bridge-opening.jpg" '
            f'src="/img/placeholder.gif"><span {marker}>Crowds at the opening.</span></div>'
            + STORY + "</article>")
    assert caption(body) == "Crowds at the opening."


def test_wordpress_wp_caption_text_without_og_image():
    body = ('<article><h1>Bridge opens</h1><div id="attachment_12" class="wp-caption aligncenter">'
            '<a href="/bridge-opening-full/"><img class="size-large wp-image-12" '
            'src="/wp-content/uploads/2024/05/bridge-opening-1024x683.jpg" alt="bridge"></a>'
            '<p class="wp-caption-text">Crowds at the opening on Saturday.</p></div>' + STORY + "</article>")
    entry = parse_article(f"<html><head><title>Bridge opens</title></head><body>{body}</body></html>", URL)
    assert entry.image_url == "https://news.example/wp-content/uploads/2024/05/bridge-opening-1024x683.jpg"
    assert entry.image_caption == "Crowds at the opening on Saturday."


def test_jsonld_image_object_caption_of_the_article_image():
    head = OG_IMAGE + jsonld({
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": "Bridge opens",
        "image": {"@type": "ImageObject", "url": "https://cdn.news.example/photos/bridge-opening.jpg",
                  "caption": "Crowds at the opening, May 4."}})
    body = '<article><h1>Bridge opens</h1><img src="/photos/bridge-opening.jpg">' + STORY + "</article>"
    assert caption(body, head) == "Crowds at the opening, May 4."


def test_jsonld_caption_through_an_id_reference_as_yoast_writes_it():
    head = OG_IMAGE + jsonld({"@context": "https://schema.org", "@graph": [
        {"@type": "NewsArticle", "headline": "Bridge opens",
         "image": {"@id": "https://news.example/town/bridge#primaryimage"}},
        {"@type": "ImageObject", "@id": "https://news.example/town/bridge#primaryimage",
         "url": "https://cdn.news.example/photos/bridge-opening.jpg", "caption": "Crowds at the opening."}]})
    assert caption("<article><h1>Bridge opens</h1>" + STORY + "</article>", head) == "Crowds at the opening."


def test_jsonld_caption_of_another_image_is_not_taken():
    head = OG_IMAGE + jsonld({
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": "Bridge opens",
        "image": [{"@type": "ImageObject", "url": "https://cdn.news.example/photos/mayor.jpg",
                   "caption": "The mayor cuts the ribbon."}]})
    assert caption("<article><h1>Bridge opens</h1>" + STORY + "</article>", head) == ""


def test_image_title_as_a_last_resort_but_never_its_alt():
    titled = ('<article><h1>Bridge opens</h1><img src="/photos/bridge-opening.jpg" alt="A bridge" '
              'title="Crowds at the opening">' + STORY + "</article>")
    assert caption(titled) == "Crowds at the opening"
    untitled = '<article><h1>Bridge opens</h1><img src="/photos/bridge-opening.jpg" alt="A bridge">' + STORY + "</article>"
    assert caption(untitled) == ""


def test_caption_of_another_picture_is_not_taken():
    body = ('<article><h1>Bridge opens</h1><p><img src="/photos/bridge-opening.jpg" alt="A bridge"></p>'
            + STORY + '<figure><img src="/photos/mayor.jpg" alt="The mayor">'
            "<figcaption>The mayor cuts the ribbon.</figcaption></figure>"
            '<div class="gallery"><img src="/photos/river.jpg" alt="The river">'
            '<p class="caption">The river at dawn.</p></div></article>')
    assert caption(body) == ""


def test_caption_beside_a_pair_of_pictures_is_not_taken():
    body = ('<article><h1>Bridge opens</h1><div class="pair"><img src="/photos/bridge-opening.jpg">'
            '<img src="/photos/mayor.jpg"><p class="caption">The mayor, right, at the opening.</p></div>'
            + STORY + "</article>")
    assert caption(body) == ""


def test_credits_at_the_end_of_the_story_are_not_the_lead_caption():
    body = ('<div class="story"><h1>Bridge opens</h1><div class="lead-image">'
            '<img src="/photos/bridge-opening.jpg"></div><div class="story-body">' + STORY +
            '<p class="credits">Reporting by Ann Lee; editing by Bo Chan.</p></div></div>')
    assert caption(body) == ""


def test_caption_without_og_image_comes_from_the_first_figure_of_the_article():
    body = ('<header><figure><img src="/img/logo.png"><figcaption>Town Times</figcaption></figure></header>'
            '<article><h1>Bridge opens</h1><figure><img src="/photos/bridge-opening.jpg">'
            "<figcaption>Crowds at the opening.</figcaption></figure>" + STORY + "</article>")
    entry = parse_article(f"<html><head><title>Bridge opens</title></head><body>{body}</body></html>", URL)
    assert entry.image_url == "https://news.example/photos/bridge-opening.jpg"
    assert entry.image_caption == "Crowds at the opening."


def test_images_behind_a_resizer_are_told_apart_by_the_image_they_carry():
    head = '<meta property="og:image" content="https://img.example/resize?url=https%3A%2F%2Fcdn.example%2Fbridge-opening.jpg&amp;w=1200">'
    figure = ('<figure><img src="https://img.example/resize?url=https%3A%2F%2Fcdn.example%2F{name}&amp;w=600">'
              "<figcaption>{text}</figcaption></figure>")
    other = figure.format(name="mayor.jpg", text="The mayor cuts the ribbon.")
    lead = figure.format(name="bridge-opening.jpg", text="Crowds at the opening.")
    assert caption("<article><h1>Bridge opens</h1>" + other + STORY + "</article>", head) == ""
    assert caption("<article><h1>Bridge opens</h1>" + other + lead + STORY + "</article>", head) == "Crowds at the opening."


def test_a_title_that_is_only_the_file_name_is_no_caption():
    body = '<article><h1>Bridge opens</h1><img src="/photos/bridge-opening.jpg" title="IMG_3886.JPG">' + STORY + "</article>"
    assert caption(body) == ""
