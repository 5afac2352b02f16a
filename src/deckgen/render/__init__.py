"""Rendering: card fields as the HTML Anki shows.

- `fields`: the one render step, from a card's tokens to its fields;
- `highlight`: code blocks coloured by Pygments classes;
- `media`: images packed by content, and their names in Anki;
- `sanitize`: cleaning raw HTML when the author allows it;
- `mathml`: math as MathML, for the offline preview.
"""
