"""Match the cards of an edited source to the identities of the previous build.

A pure function over plain data, so it can be tested, cached and reasoned about alone. Each
current card takes, in this order of trust:

1. the ID pinned by an `<!-- id: … -->` marker;
2. the ID of a remembered card with the same normalised question text (identical questions are
   paired by part and answer first, then in document order);
3. the ID of the one remembered card with the same answer (question reworded beyond recognition);
4. the ID of the remembered card whose question is most similar, when the similarity is at least
   `SIMILAR` and beats every rival on both sides by `MARGIN` (otherwise: an ambiguity, reported,
   and the card is new);
5. a new question-based ID, exactly the ID a build without state would give.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Literal

from deckgen.identity import normalize_question, question_ids

SIMILAR = 0.55
"""Least question similarity (0..1) to take a remembered card's ID.

Measured on the seed: rephrasings that keep the topic words score 0.6-0.9, and the few distinct
question pairs that score above this only compete when one is deleted as the other is added.
"""
MARGIN = 0.1
"""How much the best candidate must beat the runner-up, for either card, to be taken."""
_SAME_WORD = 0.8
"""Character similarity at which two words count as one (typos, plurals)."""

Method = Literal["pinned", "question", "answer", "similar", "new"]


@dataclass(frozen=True, slots=True)
class Known:
    """A card the previous build knew."""

    id: str
    question: str
    part: str
    answer: str
    """Digest of the answer's Markdown."""


@dataclass(frozen=True, slots=True)
class Current:
    """A card in the source as it is now."""

    question: str
    part: str
    answer: str
    pinned: str | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """The identity one current card takes, and why."""

    id: str
    method: Method
    known: int | None
    """Index of the remembered card it continues, if any."""
    score: float = 1.0


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """A current card that resembles several remembered cards too equally to choose."""

    current: int
    candidates: tuple[tuple[int, float], ...]
    """(index of a remembered card, similarity), best first."""


@dataclass(frozen=True, slots=True)
class Matching:
    """The outcome: one assignment per current card, the remembered cards nobody took."""

    assignments: tuple[Assignment, ...]
    unmatched: tuple[int, ...]
    ambiguities: tuple[Ambiguity, ...] = ()


def match_cards(known: Sequence[Known], current: Sequence[Current], namespace: str) -> Matching:
    """Give every current card an ID: a remembered one it continues, or a new one."""
    taken: dict[int, Assignment] = {}
    free_known = set(range(len(known)))
    by_id = {k.id: i for i, k in enumerate(known)}

    for c, card in enumerate(current):
        if card.pinned is not None:
            k = by_id.get(card.pinned)
            if k is not None:
                free_known.discard(k)
            taken[c] = Assignment(card.pinned, "pinned", k)

    def pair(method: Method, key: Callable[[Known | Current], Hashable], unique: bool) -> None:
        groups_k: dict[Hashable, list[int]] = defaultdict(list)
        for k in sorted(free_known):
            groups_k[key(known[k])].append(k)
        groups_c: dict[Hashable, list[int]] = defaultdict(list)
        for c in range(len(current)):
            if c not in taken:
                groups_c[key(current[c])].append(c)
        for value, cs in groups_c.items():
            ks = groups_k.get(value, [])
            if unique and (len(ks) != 1 or len(cs) != 1):
                continue
            for c, k in zip(cs, ks, strict=False):
                taken[c] = Assignment(known[k].id, method, k)
                free_known.discard(k)

    def question(card: Known | Current) -> str:
        return normalize_question(card.question)

    pair("question", lambda x: (question(x), x.part, x.answer), unique=False)
    pair("question", lambda x: (question(x), x.answer), unique=False)
    pair("question", lambda x: (question(x), x.part), unique=False)
    pair("question", question, unique=False)
    pair("answer", lambda x: x.answer, unique=True)

    ambiguities = _pair_similar(known, current, taken, free_known)

    used = {k.id for k in known} | {a.id for a in taken.values()}
    fallback = question_ids(namespace, [card.question for card in current])
    for c, card in enumerate(current):
        if c in taken:
            continue
        note_id, occurrence = fallback[c], 1
        while note_id in used:
            # The question-based ID belongs to another card already: take the next free one.
            occurrence += 1
            note_id = question_ids(namespace, [card.question] * occurrence)[-1]
        used.add(note_id)
        taken[c] = Assignment(note_id, "new", None)

    return Matching(
        assignments=tuple(taken[c] for c in range(len(current))),
        unmatched=tuple(sorted(free_known)),
        ambiguities=tuple(ambiguities),
    )


def _pair_similar(
    known: Sequence[Known],
    current: Sequence[Current],
    taken: dict[int, Assignment],
    free_known: set[int],
) -> list[Ambiguity]:
    """Pair leftovers by question similarity, best pairs first, refusing close calls."""
    cs = [c for c in range(len(current)) if c not in taken]
    ks = sorted(free_known)
    if not cs or not ks:
        return []
    weigh = _word_weights([known[k].question for k in ks] + [current[c].question for c in cs])
    scores = {
        (c, k): similarity(current[c].question, known[k].question, weigh) for c in cs for k in ks
    }
    # Only scores within MARGIN of the threshold can win or stand in a winner's way.
    near = {pair: score for pair, score in scores.items() if score >= SIMILAR - MARGIN}
    by_current: dict[int, list[tuple[int, float]]] = defaultdict(list)
    by_known: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for (c, k), score in near.items():
        by_current[c].append((k, score))
        by_known[k].append((c, score))
    ambiguous: dict[int, Ambiguity] = {}
    for (c, k), score in sorted(near.items(), key=lambda item: (-item[1], item[0])):
        if score < SIMILAR:
            break
        # A card refused once stays new: a weaker pairing later would be the guess we refused.
        if c in taken or c in ambiguous or k not in free_known:
            continue
        rivals = [s for k2, s in by_current[c] if k2 != k and k2 in free_known]
        rivals += [s for c2, s in by_known[k] if c2 != c and c2 not in taken]
        if max(rivals, default=0.0) > score - MARGIN:
            close = sorted(
                ((k2, s) for k2, s in by_current[c] if s >= SIMILAR),
                key=lambda item: (-item[1], item[0]),
            )
            ambiguous[c] = Ambiguity(c, tuple(close))
            continue
        taken[c] = Assignment(known[k].id, "similar", k, score)
        free_known.discard(k)
    return [ambiguous[c] for c in sorted(ambiguous)]


def similarity(a: str, b: str, weigh: Callable[[str], float] | None = None) -> float:
    """How alike two questions are, 0..1: shared words weighted by rarity, typos forgiven.

    Common words ("what's the difference between") weigh little, so two different questions
    built on one template score low, while a rephrasing that keeps the topic words scores high.
    """
    words_a, words_b = _words(a), _words(b)
    if not words_a or not words_b:
        return 1.0 if words_a == words_b else 0.0
    weight = weigh or (lambda word: 1.0)
    total = sum(map(weight, words_a)) + sum(map(weight, words_b))
    shared = sum(weight(w) * _closest(w, words_b) for w in words_a) + sum(
        weight(w) * _closest(w, words_a) for w in words_b
    )
    return shared / total


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", normalize_question(text)))


def _closest(word: str, others: frozenset[str]) -> float:
    if word in others:
        return 1.0
    best = max(_word_likeness(word, other) for other in others)
    return best if best >= _SAME_WORD else 0.0


@lru_cache(maxsize=65536)
def _word_likeness(a: str, b: str) -> float:
    matcher = SequenceMatcher(None, a, b)
    # The quick upper bounds settle most pairs of unrelated words without the full comparison.
    if matcher.real_quick_ratio() < _SAME_WORD or matcher.quick_ratio() < _SAME_WORD:
        return 0.0
    return matcher.ratio()


def _word_weights(questions: Sequence[str]) -> Callable[[str], float]:
    """Inverse document frequency over the questions at hand: rare words tell questions apart."""
    frequency = Counter(word for q in questions for word in _words(q))
    count = len(questions)

    def weigh(word: str) -> float:
        return math.log((count + 1) / (frequency[word] + 1)) + 1

    return weigh
