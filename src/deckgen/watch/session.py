"""The watch: one process that rebuilds on every save, through the same functions as a build.

The watcher starts first, so nothing saved during the first build is missed; then every unit is
made once, and after that each batch of changes makes the units it touched. `make` is what the
command runs for a unit (`deckgen.api.build_project`, `deckgen.sync.sync`, …): the watch adds
no route of its own, only the in-memory cache (`deckgen.cache.warm`) those functions find.

An error in a unit (a Markdown error, a config that does not read) is handed to the listener
and the watch goes on; the package or collection that unit writes stays as the last good run
left it, because every writer writes only once the pipeline has finished, and atomically.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from deckgen.cache import warm
from deckgen.errors import DeckgenError
from deckgen.watch.events import batches, watching
from deckgen.watch.memory import tidy
from deckgen.watch.scope import Scope, Unit

R = TypeVar("R")
R_contra = TypeVar("R_contra", contravariant=True)


class Listener(Protocol[R_contra]):
    """What the watch tells about its work (the command prints it)."""

    def watching(self, scope: Scope) -> None:
        """The watch has (again) found what it watches."""

    def made(self, unit: Unit, report: R_contra) -> None:
        """`unit` was rebuilt."""

    def failed(self, unit: Unit | None, error: DeckgenError) -> None:
        """`unit` could not be rebuilt (None: the scope could not be found again)."""

    def rebuilt(self) -> None:
        """A batch's rebuilds are done (at least one succeeded)."""


@dataclass
class Watch(Generic[R]):
    """A watch of what `find()` names, making each unit with `make`."""

    find: Callable[[], Scope]
    make: Callable[[Unit], R]
    listener: Listener[R]
    lock: threading.Lock | None = None
    """Held while a unit is made (a preview page is made under the same lock)."""
    stop: threading.Event | None = None

    def run(self) -> None:
        """Watch until `stop` is set or Ctrl-C (`KeyboardInterrupt`); errors before the first
        build (nothing to watch) are raised."""
        warm.keep()
        try:
            found: Scope | None = self.find()
            units = found.units if found is not None else ()
            while found is not None:
                scope = found
                paths, recursive = scope.watched()
                with watching(paths, recursive=recursive) as notify:
                    self.listener.watching(scope)
                    self._make(units)
                    changes = batches(notify, scope.wants, stop=self.stop)
                    found, units = self._follow(scope, changes)
        finally:
            warm.stop()

    def _follow(
        self, scope: Scope, changes: Iterable[set[Path]]
    ) -> tuple[Scope | None, tuple[Unit, ...]]:
        """Rebuild after each batch until the watched paths must change (then: the new scope
        and what to build first) or the batches end (None)."""
        broken = False
        for batch in changes:
            verdict = scope.verdict(batch)
            if not (verdict.rescope or broken):
                self._make(verdict.units)
                continue
            try:
                again = self.find()
            except DeckgenError as exc:
                # A config being edited may not read yet: say so, and look again at the next save.
                self.listener.failed(None, exc)
                broken = True
                continue
            units = verdict.units if again == scope and not broken else again.units
            broken = False
            if again.watched() != scope.watched():
                return again, units
            if again != scope:
                scope = again
                self.listener.watching(scope)
            self._make(units)
        return None, ()

    def _make(self, units: tuple[Unit, ...]) -> None:
        made = False
        for unit in units:
            with self.lock or nullcontext():
                try:
                    report = self.make(unit)
                except DeckgenError as exc:
                    self.listener.failed(unit, exc)
                    continue
                except (RecursionError, MemoryError):
                    # As `deckgen build` says it (`cli.errors`), but the watch goes on.
                    error = DeckgenError("input too large or too deeply nested to process")
                    self.listener.failed(unit, error)
                    continue
            self.listener.made(unit, report)
            made = True
        if made:
            self.listener.rebuilt()
        if units:
            tidy()
