"""Match the cards of an edited source to the identities of the previous build.

A pure function over plain data, so it can be tested, cached and reasoned about alone. Each
current card takes, in this order of trust:

1. the ID pinned by an `<!-- id: … -->` marker;
2. the ID of a remembered card with the same normalised question text (identical questions are
   paired by file, part and answer first, then in document order), then with the same text
   once a numbering such as `12)` or `Q3:` is set aside (questions renumbered);
3. the ID of the one remembered card with the same answer (question reworded beyond recognition);
4. the ID of the card of the last build whose question is most similar, when the similarity is
   at least `SIMILAR` and beats every rival on both sides by `MARGIN` (otherwise: an ambiguity,
   reported, and the card is new); cards removed in earlier builds are not candidates here;
5. a new question-based ID, exactly the ID a build without state would give.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from deckgen.identity.ids import normalize_question, question_id

SIMILAR = 0.55
"""Least question similarity (0..1) to take a remembered card's ID.

Measured on the seed: rephrasings that keep the topic words score 0.6-0.9, and the few distinct
question pairs that score above this only compete when one is deleted as the other is added.
"""
MARGIN = 0.1
"""How much the best candidate must beat the runner-up, for either card, to be taken."""
MAX_PAIRS = 400_000
"""Most (new x removed) question pairs compared by similarity (about a second); a rewrite
beyond that keeps only exact-question and same-answer matches, and says so."""
_NUMBERING = re.compile(
    r"^(?:(?:q|question|no\.?|#)\s*)?\d+[a-z]?\s*[.):\-\u2013](?!\d)\s*|^q\s*[.:)]\s*"
)
"""A question's own numbering, as normalised: `12) `, `3. `, `q4: `, `question 5 - `, `q: `."""
_SAME_WORD = 0.8
"""Character similarity at which two words count as one (typos, plurals)."""
_TYPO_FLOOR = 0.3
"""Share of whole words two questions need before typos are looked for at all: a rephrasing
keeps some words intact, and unrelated questions are skipped cheaply."""

Method = Literal["pinned", "question", "answer", "similar", "new"]


@dataclass(frozen=True, slots=True)
class Known:
    """A card the previous build knew."""

    id: str
    question: str
    part: str
    answer: str
    """Digest of the answer's Markdown."""
    file: str = ""
    """The file it was in, relative to the project (empty for a deck of one file)."""
    removed: bool = False
    """It had already left the source before the last build (kept until `deckgen prune`)."""


@dataclass(frozen=True, slots=True)
class Current:
    """A card in the source as it is now."""

    question: str
    part: str
    answer: str
    pinned: str | None = None
    file: str = ""
    """The file it is in, relative to the project (empty for a deck of one file)."""


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
    similarity_skipped: bool = False
    """Too many leftovers to compare by similarity (see MAX_PAIRS)."""


def match_cards(known: Sequence[Known], current: Sequence[Current], namespace: str) -> Matching:
    """Give every current card an ID: a remembered one it continues, or a new one."""
    taken: dict[int, Assignment] = {}
    free_known = set(range(len(known)))
    _pair_pinned(known, current, taken, free_known)

    def question(card: Known | Current) -> str:
        return normalize_question(card.question)

    def core(card: Known | Current) -> str:
        return unnumbered(normalize_question(card.question))

    def pair(method: Method, key: Callable[[Known | Current], Hashable], unique: bool) -> None:
        _pair(known, current, taken, free_known, method, key, unique)

    # Most specific first: where the same question is asked in several places, each copy
    # continues the one in the same file and part, then with the same answer.
    pair("question", lambda x: (question(x), x.file, x.part, x.answer), unique=False)
    pair("question", lambda x: (question(x), x.part, x.answer), unique=False)
    pair("question", lambda x: (question(x), x.file, x.answer), unique=False)
    pair("question", lambda x: (question(x), x.answer), unique=False)
    # A renumbered question with its own answer before the same words asked elsewhere: `6)`
    # may now number another file's copy of a question that moved to `7)`.
    pair("question", lambda x: (core(x), x.file, x.answer), unique=False)
    pair("question", lambda x: (core(x), x.answer), unique=False)
    pair("question", lambda x: (question(x), x.file, x.part), unique=False)
    pair("question", lambda x: (question(x), x.file), unique=False)
    pair("question", lambda x: (core(x), x.file), unique=False)
    pair("question", lambda x: (question(x), x.part), unique=False)
    pair("question", question, unique=False)
    pair("question", core, unique=False)
    pair("answer", lambda x: x.answer, unique=True)

    leftovers = (len(current) - len(taken)) * len(free_known)
    skipped = leftovers > MAX_PAIRS
    ambiguities = [] if skipped else _pair_similar(known, current, taken, free_known)
    _assign_new(known, current, taken, namespace)

    return Matching(
        assignments=tuple(taken[c] for c in range(len(current))),
        unmatched=tuple(sorted(free_known)),
        ambiguities=tuple(ambiguities),
        similarity_skipped=skipped,
    )


def _pair_pinned(
    known: Sequence[Known],
    current: Sequence[Current],
    taken: dict[int, Assignment],
    free_known: set[int],
) -> None:
    """Give every pinned card its pinned ID, continuing the remembered card that had it."""
    by_id = {k.id: i for i, k in enumerate(known)}
    for c, card in enumerate(current):
        if card.pinned is not None:
            k = by_id.get(card.pinned)
            if k is not None:
                free_known.discard(k)
            taken[c] = Assignment(card.pinned, "pinned", k)


def _pair(
    known: Sequence[Known],
    current: Sequence[Current],
    taken: dict[int, Assignment],
    free_known: set[int],
    method: Method,
    key: Callable[[Known | Current], Hashable],
    unique: bool,
) -> None:
    """Pair untaken cards with free remembered cards of equal `key`, in document order;
    with `unique`, only where the key names exactly one card on each side."""
    if not free_known or len(taken) == len(current):
        return  # one side has nothing left (a first build remembers nothing): no key to take
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


def _assign_new(
    known: Sequence[Known],
    current: Sequence[Current],
    taken: dict[int, Assignment],
    namespace: str,
) -> None:
    """Give every card still untaken a new question-based ID that no card uses."""
    used = {k.id for k in known} | {a.id for a in taken.values()}
    # As `question_ids` numbers repeats, but hashing only the questions that need an ID.
    seen: dict[str, int] = {}
    for c, card in enumerate(current):
        norm = normalize_question(card.question)
        seen[norm] = seen.get(norm, 0) + 1
        if c in taken:
            continue
        note_id, occurrence = question_id(namespace, card.question, seen[norm]), 1
        while note_id in used:
            # The question-based ID belongs to another card already: take the next free one.
            occurrence += 1
            note_id = question_id(namespace, card.question, occurrence)
        used.add(note_id)
        taken[c] = Assignment(note_id, "new", None)


def _pair_similar(
    known: Sequence[Known],
    current: Sequence[Current],
    taken: dict[int, Assignment],
    free_known: set[int],
) -> list[Ambiguity]:
    """Pair leftovers by question similarity, best pairs first, refusing close calls."""
    cs = [c for c in range(len(current)) if c not in taken]
    # A card removed in an earlier build comes back by its question or answer, never by
    # resemblance: a new question like it is a new card, not the old one's history.
    ks = sorted(k for k in free_known if not known[k].removed)
    if not cs or not ks:
        return []
    # Word rarity over every question at hand, so template words weigh little however few
    # questions are left over.
    words_k = [_words(card.question) for card in known]
    words_c = [_words(card.question) for card in current]
    weight = _word_weights(words_k + words_c)
    scores = {}
    for c in cs:
        for k in ks:
            score = _similarity(words_c[c], words_k[k], weight)
            # Only scores within MARGIN of the threshold can win or stand in a winner's way.
            if score >= SIMILAR - MARGIN:
                scores[c, k] = score
    by_current: dict[int, list[tuple[int, float]]] = defaultdict(list)
    by_known: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for (c, k), score in scores.items():
        by_current[c].append((k, score))
        by_known[k].append((c, score))
    ambiguous: dict[int, Ambiguity] = {}
    for (c, k), score in sorted(scores.items(), key=lambda item: (-item[1], item[0])):
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


def unnumbered(question: str) -> str:
    """A normalised question without its own numbering (`12) what is x` → `what is x`)."""
    return _NUMBERING.sub("", question, count=1) or question


def similarity(a: str, b: str, weight: Mapping[str, float] | None = None) -> float:
    """How alike two questions are, 0..1: shared words weighted by rarity, typos forgiven.

    Common words ("what's the difference between") weigh little, so two different questions
    built on one template score low, while a rephrasing that keeps the topic words scores high.
    Without `weight`, every word weighs 1.
    """
    words_a, words_b = _words(a), _words(b)
    return _similarity(words_a, words_b, weight or dict.fromkeys(words_a | words_b, 1.0))


def _similarity(a: frozenset[str], b: frozenset[str], weight: Mapping[str, float]) -> float:
    if not a or not b:
        return 1.0 if a == b else 0.0
    total = sum(weight[w] for w in a) + sum(weight[w] for w in b)
    shared = 2 * sum(weight[w] for w in a & b)
    # Words only one side has may still be the same word with a typo or an inflection; worth
    # the character comparisons only when the questions already share enough whole words.
    only_a, only_b = a - b, b - a
    if only_a and only_b and shared >= _TYPO_FLOOR * total:
        shared += sum(weight[w] * _closest(w, only_b) for w in only_a)
        shared += sum(weight[w] * _closest(w, only_a) for w in only_b)
    return shared / total


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", normalize_question(text)))


def _closest(word: str, others: frozenset[str]) -> float:
    best = max(_word_likeness(word, other) for other in others)
    return best if best >= _SAME_WORD else 0.0


@lru_cache(maxsize=1 << 16)
def _word_likeness(a: str, b: str) -> float:
    # Length alone bounds the ratio: 2*min/(len a + len b); most unrelated pairs stop here.
    if 2 * min(len(a), len(b)) < _SAME_WORD * (len(a) + len(b)):
        return 0.0
    # Imported here: most rebuilds pair every card by its question and compare no words.
    from difflib import SequenceMatcher

    matcher = SequenceMatcher(None, a, b)
    if matcher.quick_ratio() < _SAME_WORD:
        return 0.0
    return matcher.ratio()


def _word_weights(questions: Sequence[frozenset[str]]) -> dict[str, float]:
    """Inverse document frequency: rare words tell questions apart."""
    frequency = Counter(word for words in questions for word in words)
    count = len(questions)
    return {word: math.log((count + 1) / (n + 1)) + 1 for word, n in frequency.items()}
