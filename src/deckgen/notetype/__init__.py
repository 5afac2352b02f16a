"""The notetype every writer writes: one definition, its themes and CSS.

- `definition`: the notetype's fixed ID, fields, templates and stylesheet;
- `themes`: the notetype stylesheet (`card.css`, `stylesheets/`), light and night mode;
- `names`: the themes' names, for the command line to offer without loading the themes.
"""
