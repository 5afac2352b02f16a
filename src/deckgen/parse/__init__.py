"""Parsing: from Markdown text to parts and cards.

- `markdown`: the one MarkdownIt factory (and the block-only parser), math written as Anki reads it;
- `leads`, `marker`: plugins for bold lead-ins and `<!-- id: … -->` markers;
- `shape`: which heading levels hold the parts and the questions;
- `cards`: splitting the token stream into parts and cards, with each card's tokens.
"""
