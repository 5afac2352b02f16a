"""How a heading or a line asks a question: the phrasing detection reads.

Words and labels, not structure: `?` at the end, a `Q:` label, an opening such as What, Why,
Explain or Compare; a numbering (`12)`) that tells sibling questions from subheadings; the names
of answers (`Answer`, `Solution`), of parts (`Part 3`), of notes sections (`Summary`,
`Quick-fire round`); a table of contents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it.token import Token

from deckgen.parse.details import CLOSE as DETAILS_CLOSE
from deckgen.parse.details import OPEN as DETAILS_OPEN
from deckgen.parse.details import SUMMARY_CLOSE, SUMMARY_OPEN

_OPENINGS = (
    "what|why|how|when|where|which|who|whom|whose|is|are|was|were|can|could|do|does|did|"
    "should|would|will|shall|may|might|must|has|have|had|explain|describe|compare|contrast|"
    "define|give|derive|discuss|prove|show|implement|write|draw|summari[sz]e|walk|tell|"
    "calculate|compute|estimate|differentiate|distinguish|illustrate|justify|evaluate|"
    "analy[sz]e|solve|determine|suppose|imagine"
)
# Verbs that are nouns too ("List comprehension", "State machines") ask only before an object.
_OBJECT_VERBS = r"(?:state|list|name|outline|design|find|sketch|identify|predict)\s+(?:the|a|an|all|some|each|every|two|three|four|five|\d+|your|its|their)\b"
_QUESTION = re.compile(
    rf"\?\s*\W*$|^\s*(?:\W\s*)?(?:(?:{_OPENINGS})\b|{_OBJECT_VERBS})"
    r"|(?:^|\W)(?:explain|why|vs\.?)\s*\W*$",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^\s*(?:(?P<q>q(?:uestion)?)\s*(?P<qn>\d+)?\s*[:.)\-\u2013]|(?P<n>\d+)\s*(?P<d>[.)])(?!\d)"
    r"|\((?P<p>\d+)\))\s*",
    re.IGNORECASE,
)
_ANSWER_WORDS = (
    "answers?|solutions?|explanation|ans|a|response|hints?|"
    # German, Spanish, French, Italian, Portuguese, Dutch, Polish, Russian, Chinese, Japanese,
    # Korean: the word a worked problem's answer is headed with.
    "l(?:ö|oe)sung(?:en)?|antwort(?:en)?|soluci(?:ó|o)n|respuesta|r(?:é|e)ponse|corrig(?:é|e)|"
    "soluzione|risposta|resposta|solu(?:çã|ca)o|oplossing|antwoord|rozwi(?:ą|a)zanie|"
    "odpowied(?:ź|z)|решение|ответ|解答|答案|解析|解|정답|해설|답"
)
_ANSWER_LABEL = re.compile(
    rf"^\s*(?:(?:the|my|our|a|sample|suggested|official|model|possible|proposed|worked)\s+)?"
    rf"(?:{_ANSWER_WORDS})(?:\s*\d+)?"
    # `Solution 2 (hash map)`, `Solution: two pointers`, `Solution - Python`, `Solution in Python`
    r"(?:\s*\([^)]*\)|\s*:\s*\S.*|\s+[\-\u2013\u2014]\s*\S.*|\s+(?:in|for|with|using)\s+\S.*)?"
    r"\s*[:.]?\s*$",
    re.IGNORECASE,
)
_PART_LABEL = re.compile(
    r"^\s*(?:part|chapter|section|unit|module|week|day)\s+(?:\d+|[a-z]|[ivxlc]+)\b",
    re.IGNORECASE,
)
_EXERCISE_LABEL = re.compile(
    r"^\s*(?:question|problem|exercise|task|quiz|aufgabe|(?:ü|ue)bung|frage|ejercicio|pregunta|"
    r"problema|exercice|esercizio|domanda|exerc(?:í|i)cio|quest(?:ã|a)o|opgave|vraag|zadanie|"
    r"pytanie|задача|вопрос|упражнение|問題|问题|题|문제)\s*#?\s*\d+[a-z]?\s*[:.)]?\s*$",
    re.IGNORECASE,
)
"""`Question 3`, `Problem 1`, `Aufgabe 4`: a bare label that numbers a question."""
_ASIDE = re.compile(
    r"^\W*(?:(?:external|further|useful|other|additional|more|related)\s+"
    r"(?:references?|resources|links|sources|reading)|"
    r"table\s+of\s+contents|contents|toc|index|summary|references?|resources|sources|"
    r"links|further\s+reading|reading\s+list|see\s+also|notes|appendix|glossary|cheat\s*sheet|"
    r"quick[-\s]*fire(?:\s+round)?|rapid[-\s]*fire(?:\s+round)?|lightning\s+round|tl;?\s*dr|"
    r"conclusion|acknowledg(?:e)?ments|credits|changelog|license)\W*$",
    re.IGNORECASE,
)
_REVEAL_WORDS = frozenset(
    [
        "show",
        "hide",
        "view",
        "see",
        "reveal",
        "click",
        "tap",
        "here",
        "to",
        "expand",
        "collapse",
        "toggle",
        "open",
        "the",
        "an",
        "a",
        "me",
        "my",
        "answer",
        "answers",
        "solution",
        "solutions",
        "explanation",
        "details",
        "detail",
        "more",
        "contents",
        "content",
        "code",
        "hint",
        "hints",
        "result",
        "results",
        "output",
        "spoiler",
        "todo",
        "tbd",
    ]
)
"""Words a `<summary>` is made of when it labels what it hides (`show`, `View answer`,
`Click to expand`, `Answer: TODO`) rather than asking a question."""
_TOGGLE = re.compile(
    r"^\W*(?:show\s*/\s*hide|hide\s*/\s*show|click\b|tap\b|toggle\b|expand\b)", re.IGNORECASE
)
"""A summary that says how to open it (`Show/Hide Example`, `Click to see the diagram`)."""
_TOC_LINK = r"(?:\[(?:[^\[\]]|\[[^\]]*\])*\]\(#[^)]*\)|\[\[#?[^\]]+\]\])"
_TOC_ITEM = re.compile(rf"^\s*(?:\d+[.)]\s*)?[*_]*{_TOC_LINK}[*_]*(?P<rest>.*)$")
_TOC_REST = 6
"""Words an entry may add after its link (`(asked often)`, `- 5 min`)."""
_WRAPPERS = frozenset((DETAILS_OPEN, DETAILS_CLOSE, SUMMARY_OPEN, SUMMARY_CLOSE))


def looks_like_question(text: str) -> bool:
    """A `?` at the end, a `Q:`/`Q1.` label, or an opening such as What or Explain, after any
    numbering (`12) Why…`). A number alone is not enough: sections are numbered too."""
    if _ANSWER_LABEL.match(text) or _PART_LABEL.match(text):
        return False
    if _EXERCISE_LABEL.match(text):
        return True
    label = _LABEL.match(text)
    if label is not None and label["q"]:
        return True
    rest = text[label.end() :] if label is not None else text
    return bool(_QUESTION.search(rest))


def numbering_style(text: str) -> str | None:
    """`1)`, `1.`, `(1)`, `q1` or `q`: how `text`'s own label numbers it, if it has one."""
    match = _LABEL.match(text)
    if match is None:
        return None
    if match["q"]:
        return "q1" if match["qn"] else "q"
    return f"1{match['d']}" if match["n"] else "(1)"


def is_contents(blocks: Sequence[Token]) -> bool:
    """`blocks` are only lists of links to headings (`[What is X](#what-is-x)`, `[[#X]]`),
    each entry a link and a few words, maybe inside `<details><summary>View contents`."""
    shown = [t for t in blocks if t.type not in _WRAPPERS and t.type != "hr"]
    if shown and shown[0].type == "inline" and len(shown) < len(blocks):
        shown = shown[1:]  # the summary's own text
    if not shown or not shown[0].type.endswith("list_open"):
        return False  # the common answer, at once: every heading's body is asked
    inline = [t for t in shown if t.type == "inline"]
    lists_only = all(t.type.endswith(("list_open", "list_close")) for t in shown if t.level == 0)
    return lists_only and bool(inline) and all(_toc_entry(t.content) for t in inline)


def _toc_entry(text: str) -> bool:
    match = _TOC_ITEM.match(text)
    if match is None:
        return False
    rest = re.sub(_TOC_LINK, " ", match["rest"])
    return len(re.findall(r"[^\W_]+", rest)) <= _TOC_REST


def names_an_answer(text: str) -> bool:
    """`Answer`, `Solution:`, `Explanation`: a heading or summary that labels an answer."""
    return bool(_ANSWER_LABEL.match(text))


def names_a_part(text: str) -> bool:
    """`Part 3`, `Part B`, `Chapter IV`: a heading that divides the document."""
    return bool(_PART_LABEL.match(text))


def names_a_reveal(text: str) -> bool:
    """`show`, `View answer`, `Click here to see the solution`: a summary that labels the
    hidden text below it (the answer of the question above), not a question."""
    if _TOGGLE.match(text):
        return True
    words = re.findall(r"[^\W_]+", text.lower())
    return all(word in _REVEAL_WORDS for word in words)


def names_an_aside(text: str) -> bool:
    """`Summary`, `References`, `Quick-fire round`, `Table of contents`: notes, not a question."""
    return bool(_ASIDE.match(text))
