"""Anki: the only package that knows the `.apkg` format.

- `package`: the notetype (fixed ID, fields, templates) and writing the package;
- `collection`: genanki's empty collection filled with every note in one go;
- `themes`: the notetype stylesheet (`card.css`, `stylesheets/`), light and night mode.
"""
