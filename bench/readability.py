"""Article extraction on the readability corpus: our parse_article against plain
trafilatura and plain readability-lxml, in one run.

    .venv/bin/python bench/readability.py [-v] [--corpus DIR]

Prints, per extractor, the titles right, the mean bag-of-words F1 of the body and the
time per page; ``-v`` adds a row per page.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Callable

# Run as a script, this folder comes first on sys.path and this file would shadow the
# readability package; the repository root takes its place.
_HERE, _ROOT = Path(__file__).resolve().parent, Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_ROOT))

import trafilatura  # noqa: E402
from readability import Document  # noqa: E402

from bench.scoring import CORPUS_DIR, Page, corpus_pages, f1, html_text, title_matches  # noqa: E402
from feeds.errors import ParseError  # noqa: E402
from feeds.ingest.article import parse_article  # noqa: E402

Extractor = Callable[[Page], tuple[str, str]]


@dataclass
class Result:
    name: str
    titles: int = 0
    f1_total: float = 0.0
    seconds: float = 0.0
    rows: list[tuple[str, float, bool]] = field(default_factory=list)

    def mean_f1(self) -> float:
        return self.f1_total / len(self.rows) if self.rows else 0.0

    def ms_per_page(self) -> float:
        return 1000 * self.seconds / len(self.rows) if self.rows else 0.0


def ours(page: Page) -> tuple[str, str]:
    try:
        entry = parse_article(page.html, page.url)
    except ParseError:
        return "", ""
    return entry.title, "\n".join(entry.body)


def plain_trafilatura(page: Page) -> tuple[str, str]:
    text = trafilatura.extract(page.html, url=page.url) or ""
    metadata = trafilatura.extract_metadata(page.html)
    return (metadata.title or "") if metadata else "", text


def plain_readability(page: Page) -> tuple[str, str]:
    document = Document(page.html)
    title = document.title()
    return title, html_text(document.summary())


def run(name: str, extract: Extractor, pages: list[Page]) -> Result:
    result = Result(name)
    extract(pages[0])
    for page in pages:
        started = time.perf_counter()
        title, body = extract(page)
        result.seconds += time.perf_counter() - started
        score, right = f1(body, page.expected_text), title_matches(title, page.expected_title)
        result.titles += right
        result.f1_total += score
        result.rows.append((page.name, score, right))
    return result


def report(results: list[Result], pages: int, verbose: bool) -> None:
    ours_ms = results[0].ms_per_page()
    print(f"{'extractor':<24} {'titles':>8} {'mean F1':>8} {'ms/page':>8} {'ours/this':>10}")
    for result in results:
        ratio = ours_ms / result.ms_per_page() if result.ms_per_page() else float("nan")
        print(f"{result.name:<24} {result.titles:>5}/{pages:<2} {result.mean_f1():>8.3f} "
              f"{result.ms_per_page():>8.1f} {ratio:>9.2f}x")
    if verbose:
        print()
        for rows in zip(*(r.rows for r in results)):
            cells = " ".join(f"{score:.3f}{'' if ok else '*'}".ljust(8) for _, score, ok in rows)
            print(f"{rows[0][0]:<28} {cells}")
        print("(* = title wrong; columns in the order above)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    pages = corpus_pages(args.corpus)
    results = [
        run("ours (parse_article)", ours, pages),
        run(f"trafilatura {version('trafilatura')}", plain_trafilatura, pages),
        run(f"readability-lxml {version('readability-lxml')}", plain_readability, pages),
    ]
    report(results, len(pages), args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
