"""The cyclic garbage collector paused while a command loads and runs its engines (issue 16)."""

from __future__ import annotations

import gc

__all__ = ["CollectorPaused"]


class CollectorPaused:
    """No cyclic garbage collection inside ``with``; then every object alive is set aside as permanent.

    Importing a command's engines allocates tens of thousands of long-lived objects (functions, classes and
    their dictionaries); the collector went through them again and again for nothing: ~5 ms of CPU in a
    domain audit while its first answers waited to be read, ~60 collections and ~10 ms in a diagnosis, each
    freeing a few hundred objects at most (counted with ``gc.callbacks``). Reference counting frees objects as
    usual meanwhile. On leaving, ``gc.freeze()`` sets all that is alive aside (the imports' objects with the rest), so the collector, turned back on,
    does not walk them all at once; :meth:`release` gives them back to it (to the oldest generation) when the
    command is done, for a caller that runs it in-process. A caller that had paused the collector, or frozen
    objects of its own, keeps its state."""

    def __enter__(self) -> "CollectorPaused":
        self.collecting, self.freezing = gc.isenabled(), gc.get_freeze_count() == 0
        gc.disable()
        return self

    def __exit__(self, *exc) -> None:
        if self.freezing:
            gc.freeze()
        if self.collecting:
            gc.enable()

    def release(self) -> None:
        if self.freezing:
            gc.unfreeze()
