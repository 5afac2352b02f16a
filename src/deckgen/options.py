"""What a build is asked to do, and what it reports back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from deckgen.model import Diagnostic
from deckgen.select import Selection, Topic

if TYPE_CHECKING:  # only named in annotations: `deckgen --help` need not load them
    from deckgen.config.project import Config
    from deckgen.identity.history import Revision


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to turn a source into a deck; every field has the default a new user expects."""

    deck_name: str | None = None
    """Overrides the document's `# Title`."""
    subdecks: bool | None = None
    """Put each part in its own subdeck (tags are the default way to filter); None: as configured."""
    html: bool | None = None
    """Keep raw HTML as GitHub shows it, cleaned to GitHub's allow-list (True), or show it as
    text (False); None: `html` in the front matter or the config, else kept. Settled options
    (`Rendered.options`) always say True or False."""
    force: bool = False
    """Write the deck even when `check` finds errors."""
    selection: Selection = field(default_factory=Selection)
    """Which cards go into the package; a subset keeps the full deck's IDs and deck name."""
    tag_prefix: str | None = None
    """The top of every tag (default: the file name); IDs never depend on it."""
    topics: tuple[Topic, ...] = ()
    """Named groups of parts; each card also gets `<prefix>::topic::<name>`."""
    part_level: int | None = None
    """Heading level of parts (0: none); None detects it."""
    question_level: int | None = None
    """Heading level of questions; None detects it."""
    config: Config | None = None
    """Project settings; the fields above, when given, win over it and over front matter."""
    theme: str | None = None
    """The card theme (CSS only: switching keeps every note and its history); None: the
    file's front matter or the config, else the default theme."""


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, for the one-line summary."""

    source: Path
    output: Path
    cards: int
    parts: int
    seconds: float
    diagnostics: tuple[Diagnostic, ...] = ()
    revision: Revision | None = None
    """What changed since the previous build; None when the build kept no state."""
    state_written: Path | None = None
    """The state file, when this build created or changed it."""
    up_to_date: bool = False
    """Nothing changed since the previous build, so nothing was written."""
    reparsed: int | None = None
    """How many cards were parsed and rendered (all of them unless the cache spared some)."""
    subdecks: bool = False
    """Each part went into its own subdeck (the options as they settled: flag, front matter,
    config)."""
