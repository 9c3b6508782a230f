"""Building a feed makes many small containers and no reference cycles. Left on,
the garbage collector rescans the growing heap so often, while they are made,
that a build's time per item grows with the size of the feed."""
from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block (and back as it was after)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
