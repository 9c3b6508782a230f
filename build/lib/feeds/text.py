"""Small text helpers shared by the feed builders: whitespace collapsed, cut to a length."""
from __future__ import annotations

import re


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    return cut(" ".join(text.split()), limit)


def cut(collapsed: str, limit: int) -> str:
    """``shorten`` for text whose white space is already collapsed (as ``lead`` gives it)."""
    if len(collapsed) <= limit:
        return collapsed
    head = collapsed[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:.-") + "…"


def lead(parts: list[str], limit: int) -> str:
    """Enough of ``parts`` (whitespace collapsed) to cut at ``limit``: the whole text
    when it is shorter, without collapsing a long body just to keep its start."""
    out: list[str] = []
    size = 0
    for part in parts:
        words = _collapse(part, limit - size + 1)
        if words:
            out.append(words)
            size += len(words) + 1
        if size > limit + 1:
            break
    return " ".join(out)


def _collapse(text: str, want: int) -> str:
    window = max(want * 2, 64)
    while True:
        words = " ".join(text[:window].split())
        if len(words) > want or window >= len(text):
            return words
        window *= 4


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))
