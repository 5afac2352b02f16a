"""The `.apkg` writer: the deck as a package to import by hand (the only place genanki is used).

- `writer`: genanki's empty collection, the notes, the media, zipped atomically;
- `rows`: genanki's empty collection filled with every note in one go.
"""
