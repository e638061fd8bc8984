"""Process-level memory policy for long-running commands."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Move what is loaded so far (the compiled library: millions of long-lived table entries) out of the
    garbage collector's full passes, which would otherwise walk it again and again while scoring."""
    gc.collect()
    gc.freeze()
