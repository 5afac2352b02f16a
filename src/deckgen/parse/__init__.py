"""Parsing: from Markdown text to parts and cards.

- `markdown`: the one MarkdownIt factory (and the block-only parser), math written as Anki reads it;
- `lean`: block tokens that make their `attrs` and `meta` dicts only when used (memory);
- `leads`, `marker`: plugins for bold lead-ins and `<!-- id: … -->` markers;
- `details`, `obsidian`: `<details>` blocks; Obsidian's links, embeds, callouts and highlights;
- `htmlheadings`, `tagtext`: raw `<h3>` headings read as headings; inline HTML as Markdown text;
- `dollars`: a guard for the `$` math rule at the very start of a paragraph;
- `phrasing`: how a heading or a line asks a question (words and labels);
- `shape`: which headings are parts, questions, answers' labels or notes, and why;
- `asked`: questions that are not headings (bold paragraphs, `Q:`/`A:` items, summaries);
- `numbered`, `numberedlines`: numbered questions whose answers are not indented under them;
- `divs`, `exercises`: Pandoc's `::: challenge` blocks, and those holding a `::: solution`;
- `terms`: glossaries, a card per term;
- `cards`: splitting the token stream into parts and cards, with each card's tokens;
- `substance`: what an answer says beyond links and placeholders (no card without it);
- `coverage`: where every line went (a card, the preamble, a part's intro, or no card).
- `nesting`: where a block token's pair closes.
"""
