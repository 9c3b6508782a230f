"""Article extraction on the readability corpus: our parse_article against plain
trafilatura and plain readability-lxml, in one run.

    .venv/bin/python bench/readability.py [-v] [--rounds N] [--corpus DIR]

Prints, per extractor, the titles right, the mean bag-of-words F1 of the body and the
time per page, and the cost of ours against plain trafilatura; ``-v`` adds a row per page.

The machine may be busy with other work, so times are taken page by page with the three
extractors in turn (a slow spell hits all three alike), over several rounds; a page's
time is its fastest round, and the ratio is the median of the rounds' ratios.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

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
    extract: Extractor
    titles: int = 0
    f1_total: float = 0.0
    rows: list[tuple[str, float, bool]] = field(default_factory=list)
    best: list[float] = field(default_factory=list)
    rounds: list[float] = field(default_factory=list)

    def mean_f1(self) -> float:
        return self.f1_total / len(self.rows) if self.rows else 0.0

    def ms_per_page(self) -> float:
        return 1000 * sum(self.best) / len(self.best) if self.best else 0.0


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


def score(result: Result, pages: list[Page]) -> None:
    for page in pages:
        title, body = result.extract(page)
        value, right = f1(body, page.expected_text), title_matches(title, page.expected_title)
        result.titles += right
        result.f1_total += value
        result.rows.append((page.name, value, right))


def time_rounds(results: list[Result], pages: list[Page], rounds: int) -> None:
    """Each page through each extractor in turn, ``rounds`` times."""
    for result in results:
        result.extract(pages[0])
        result.best = [float("inf")] * len(pages)
    for _ in range(rounds):
        totals = [0.0] * len(results)
        for index, page in enumerate(pages):
            for slot, result in enumerate(results):
                started = time.perf_counter()
                result.extract(page)
                elapsed = time.perf_counter() - started
                totals[slot] += elapsed
                result.best[index] = min(result.best[index], elapsed)
        for result, total in zip(results, totals):
            result.rounds.append(total)


def ratio(ours_result: Result, baseline: Result) -> float:
    return statistics.median(o / b for o, b in zip(ours_result.rounds, baseline.rounds))


def report(results: list[Result], pages: int, verbose: bool) -> None:
    print(f"{'extractor':<24} {'titles':>8} {'mean F1':>8} {'ms/page':>8}")
    for result in results:
        print(f"{result.name:<24} {result.titles:>5}/{pages:<2} {result.mean_f1():>8.3f} "
              f"{result.ms_per_page():>8.1f}")
    per_round = " ".join(f"{o / b:.2f}" for o, b in zip(results[0].rounds, results[1].rounds))
    print(f"\ncost ours/trafilatura: {ratio(results[0], results[1]):.2f}x "
          f"(median of {len(results[0].rounds)} rounds: {per_round})")
    if verbose:
        print()
        for rows in zip(*(r.rows for r in results)):
            cells = " ".join(f"{value:.3f}{'' if ok else '*'}".ljust(8) for _, value, ok in rows)
            print(f"{rows[0][0]:<28} {cells}")
        print("(* = title wrong; columns in the order above)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    pages = corpus_pages(args.corpus)
    results = [
        Result("ours (parse_article)", ours),
        Result(f"trafilatura {version('trafilatura')}", plain_trafilatura),
        Result(f"readability-lxml {version('readability-lxml')}", plain_readability),
    ]
    for result in results:
        score(result, pages)
    time_rounds(results, pages, max(1, args.rounds))
    report(results, len(pages), args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
