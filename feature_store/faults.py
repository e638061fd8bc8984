"""Named crash points for the crash-safety tests: ``IPWATCH_CRASH_AT=name[@n]`` kills the process with
SIGKILL the n-th time (default the first) it passes ``name``; with ``IPWATCH_CRASH_ONCE=FILE`` only the
first process to get there dies (it creates FILE), so a retried task on a restarted worker goes through.
Unset, a crash point is one string comparison.

The points sit where a crash is most harmful (inside a transaction, between a commit and the files derived
from it, between the renames of an index's files); tests/test_crash.py kills real processes there and at
random moments, then checks that the store holds all or none of each operation.
"""

from __future__ import annotations

import os
import signal

_PLAN = os.environ.get("IPWATCH_CRASH_AT", "")
_ONCE = os.environ.get("IPWATCH_CRASH_ONCE", "")  # a marker file: only the first process to create it dies
_NAME, _, _AT = _PLAN.partition("@")
_seen = 0


def crash_point(name: str) -> None:
    """Die here, as `kill -9` would, if the environment asks for it."""
    global _seen
    if not _NAME or name != _NAME:
        return
    _seen += 1
    if _seen < int(_AT or 1):
        return
    if _ONCE:
        try:
            os.close(os.open(_ONCE, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return  # another process (a restarted worker) already died here
    os.kill(os.getpid(), signal.SIGKILL)
