"""Scoring shared by the readability benchmark and its test: bag-of-words F1 of a body
against the corpus's expected HTML, and exact title match after collapsing whitespace."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import lxml.html

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = (REPO_ROOT / "../shared/corpus/readability").resolve()


@dataclass(frozen=True)
class Page:
    name: str
    html: bytes
    expected_title: str
    expected_text: str

    @property
    def url(self) -> str:
        return f"http://example.com/{self.name}/"


def tokens(text: str) -> Counter[str]:
    return Counter(word.lower() for word in _WORD.findall(text))


def f1(got: str, expected: str) -> float:
    got_tokens, expected_tokens = tokens(got), tokens(expected)
    if not got_tokens and not expected_tokens:
        return 1.0
    common = sum((got_tokens & expected_tokens).values())
    if not common:
        return 0.0
    precision = common / sum(got_tokens.values())
    recall = common / sum(expected_tokens.values())
    return 2 * precision * recall / (precision + recall)


def collapse(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def title_matches(got: str | None, expected: str | None) -> bool:
    return collapse(got) == collapse(expected)


def html_text(html: str) -> str:
    """The text of an HTML fragment with its tags removed (the corpus's expected HTML is
    indented, so blocks stay apart while inline tags do not split words)."""
    if not html.strip():
        return ""
    return lxml.html.fromstring(html).text_content()


def corpus_pages(corpus_dir: Path = CORPUS_DIR) -> list[Page]:
    pages = []
    for folder in sorted(p for p in corpus_dir.iterdir() if (p / "source.html").is_file()):
        metadata = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        expected_html = (folder / "expected.html").read_text(encoding="utf-8")
        pages.append(Page(
            name=folder.name,
            html=(folder / "source.html").read_bytes(),
            expected_title=metadata.get("title") or "",
            expected_text=html_text(expected_html),
        ))
    return pages
