"""The preview: every card of a deck, front and back, on one offline HTML page.

- `page`: running the pipeline and writing the page (math as MathML);
- `markup`: the page's HTML, with `preview.css` and `preview.js`.
"""
