"""What a viewer types in the search box, parsed once and written for either store.

The syntax is PostgreSQL's ``websearch_to_tsquery``: words must all match, ``"quoted
words"`` match as a phrase, ``-word`` excludes, ``or`` between two terms accepts
either. On top of it, the last word is matched as a prefix unless the text ends with
a space, so that search-as-you-type finds "minister" from "minis". Each term keeps
the text as typed so that each store's own tokenizer splits it exactly as it split
the items (accents, case, hyphens); an English possessive ("Putin's") is dropped so
that it finds the name. A last word shorter than three letters is still being typed:
it is left out when other words are there ("sao p" searches "sao"), else taken whole."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

MAX_TERMS = 8
MIN_PREFIX = 3  # shorter, a prefix matches most of the vocabulary: the word is taken whole
TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
SEARCHABLE = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class Term:
    text: str
    negated: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """Every group must match; a group matches when any of its terms does."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...]


def parse(text: str) -> Query | None:
    """The query, or None when nothing in it can be searched for (no words, or
    only exclusions: those would ask for the whole catalogue)."""
    terms, joins = _terms(text)
    if terms and not text[-1:].isspace() and _plain_word(text, terms[-1]):
        if len(terms[-1].text) >= MIN_PREFIX:
            terms[-1] = Term(terms[-1].text, prefix=True)
        elif any(not term.negated for term in terms[:-1]):
            terms, joins = terms[:-1], joins[:-1]
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    for term, joined in zip(terms, joins):
        if term.negated:
            excluded.append(term)
        elif joined and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
    if not groups:
        return None
    return Query(tuple(tuple(group) for group in groups), tuple(excluded))


def _terms(text: str) -> tuple[list[Term], list[bool]]:
    """The terms in order, and for each whether ``or`` joined it to the one before."""
    terms: list[Term] = []
    joins: list[bool] = []
    pending_or = False
    for match in TOKEN.finditer(text):
        minus, quoted, word = match.groups()
        if word is not None and word.lower() == "or" and terms:
            pending_or = True
            continue
        negated = bool(minus) or (word is not None and word.startswith("-") and len(word) > 1)
        raw = quoted if quoted is not None else word.removeprefix("-") if negated else word
        cleaned = " ".join(POSSESSIVE.sub("", part) for part in raw.split())
        if not SEARCHABLE.search(cleaned) or len(terms) == MAX_TERMS:
            continue
        terms.append(Term(cleaned, negated=negated))
        joins.append(pending_or and not negated)
        pending_or = False
    return terms, joins


def _plain_word(text: str, term: Term) -> bool:
    return not term.negated and not text.rstrip().endswith('"') and " " not in term.text


def without_exclusions(query: Query) -> Query:
    return replace(query, excluded=())


def probes(query: Query, length: int = 5) -> list[str]:
    """The start of each wanted word, lower-case and without accents: enough to find
    roughly where in a text a match is (its stem is at most this different)."""
    words = []
    for group in query.groups:
        for term in group:
            for word in term.text.split():
                folded = "".join(c for c in unicodedata.normalize("NFKD", word.lower())
                                 if not unicodedata.combining(c) and (c.isalnum()))
                if len(folded) >= 2 and folded[:length] not in words:
                    words.append(folded[:length])
    return words[:MAX_TERMS]


def to_tsquery_text(query: Query) -> str:
    """For PostgreSQL's ``to_tsquery``: each term a quoted operand, which the channel's
    text search configuration splits and normalises as it did the items."""
    def operand(term: Term) -> str:
        quoted = "'" + term.text.replace("\\", " ").replace("'", "''") + "'"
        return quoted + (":*" if term.prefix else "")

    groups = ["( " + " | ".join(map(operand, group)) + " )" for group in query.groups]
    return " & ".join(groups + ["!" + operand(term) for term in query.excluded])


def to_fts5_text(query: Query, column: str = "") -> str:
    """For SQLite FTS5 ``MATCH``, limited to ``column`` when given."""
    def operand(term: Term) -> str:
        return '"' + term.text.replace('"', '""') + '"' + (" *" if term.prefix else "")

    expression = " AND ".join("(" + " OR ".join(map(operand, group)) + ")"
                              for group in query.groups)
    for term in query.excluded:
        expression = f"({expression}) NOT {operand(term)}"
    return f"{{{column}}} : ({expression})" if column else expression
