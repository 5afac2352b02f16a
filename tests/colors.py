"""WCAG contrast, the measure of whether a person can read a colour on another; the themes'
colours as their stylesheets set them; the colours of a picture."""

from __future__ import annotations

import re
from collections import Counter
from importlib.resources import files

_RGB = re.compile(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)")


def parse_color(text: str) -> tuple[float, float, float]:
    """`#rgb`, `#rrggbb` or a browser's computed `rgb(…)` as 0 to 255 channels (alpha dropped)."""
    text = text.strip()
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    match = _RGB.fullmatch(text)
    if not match:
        raise ValueError(f"not a colour: {text!r}")
    return (float(match[1]), float(match[2]), float(match[3]))


def luminance(color: str) -> float:
    """Relative luminance, 0 (black) to 1 (white)."""

    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = parse_color(color)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio, 1 to 21: 4.5 is the AA minimum for body text."""
    a, b = luminance(foreground), luminance(background)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def theme_colours(theme: str) -> dict[str, dict[str, str]]:
    """The theme file's `--dg-*` colours (`bg`, `fg`, ...) for light (`.card {…}`) and dark
    (night) mode."""
    text = (
        files("deckgen.notetype")
        .joinpath("stylesheets", f"{theme}.css")
        .read_text(encoding="utf-8")
    )
    blocks = re.findall(r"([^{}]+)\{([^{}]*)\}", text)
    light = next(body for selector, body in blocks if selector.strip().endswith(".card"))
    night = next(body for selector, body in blocks if ".nightMode .card" in selector)
    return {
        mode: dict(re.findall(r"--dg-([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", body))
        for mode, body in (("light", light), ("dark", night))
    }


def picture_colours(png: bytes) -> tuple[tuple[int, int], Counter[str]]:
    """A PNG's width and height, and how many of its pixels have each colour (`#rrggbb`)."""
    from PyQt6.QtGui import QImage

    image = QImage.fromData(png, "PNG")
    if image.isNull():
        raise ValueError("not a PNG picture")
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    bits = image.constBits()
    assert bits is not None
    # Format_RGB32 is one 0xffRRGGBB word per pixel, rows unpadded.
    pixels = Counter(memoryview(bits.asstring(image.sizeInBytes())).cast("I"))
    colours = Counter({f"#{pixel & 0xFFFFFF:06x}": count for pixel, count in pixels.items()})
    return (image.width(), image.height()), colours
