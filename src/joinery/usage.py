"""How long a ``make`` took and how much memory its process needed: what the jobs table records.

Layer: used by ``jobs_worker.py`` around each reserved ``make``. Memory is the
peak resident set size (RSS) of the worker process, not Python's allocations
alone (``tracemalloc`` would slow every allocation and miss numpy's and C
libraries' memory). On Linux the peak is reset before each key by writing ``5``
to ``/proc/self/clear_refs`` and read from ``VmHWM`` in ``/proc/self/status``, so
it is the key's own peak. Elsewhere (or where ``/proc`` refuses the reset) it is
``resource.getrusage``'s ``ru_maxrss``: the process's peak so far, an upper bound.
When several ``make`` calls share a process (a thread executor) the figure is
the process's, shared by those running at the same time.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

_CLEAR_REFS = "/proc/self/clear_refs"
_STATUS = "/proc/self/status"


@dataclass
class Usage:
    """What one ``make`` used: seconds and peak memory in bytes (None where not measurable)."""

    duration: float = 0.0
    peak_memory: int | None = None
    started: float = 0.0
    kernel_peak: bool = False
    finished: bool = False

    def finish(self) -> Usage:
        """Take the measurements now (the first call counts): a job completed inside its commit reads them."""
        if not self.finished:
            self.duration = time.perf_counter() - self.started
            self.peak_memory = (_kernel_peak() if self.kernel_peak else None) or _rusage_peak()
            self.finished = True
        return self


class _ProcFiles:
    """This process's ``clear_refs`` and ``status`` files, opened once: two opens per key cost as much
    as the rest of a quick job's bookkeeping. Reopened after a fork (``/proc/self`` meant the parent)."""

    clear_refs: int | None = None
    status: int | None = None

    @classmethod
    def forget(cls) -> None:
        """In a new child process: close the parent's files (they describe the parent), open anew on use."""
        for fd in (cls.clear_refs, cls.status):
            if fd is not None:
                with suppress(OSError):
                    os.close(fd)
        cls.clear_refs = cls.status = None

    @classmethod
    def opened(cls, name: str, path: str, flags: int) -> int:
        fd = getattr(cls, name)
        if fd is None:
            fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
            setattr(cls, name, fd)
        return fd


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_ProcFiles.forget)


def _reset_peak() -> bool:
    """Reset the kernel's record of this process's peak RSS; False where that is not possible."""
    try:
        os.write(_ProcFiles.opened("clear_refs", _CLEAR_REFS, os.O_WRONLY), b"5")
    except OSError:
        return False
    return True


def _kernel_peak() -> int | None:
    try:
        text = os.pread(_ProcFiles.opened("status", _STATUS, os.O_RDONLY), 16384, 0)
        start = text.index(b"VmHWM:")
        return int(text[start + 6 : text.index(b"\n", start)].split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return None


def _rusage_peak() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS, KiB on Linux


@contextmanager
def measuring() -> Iterator[Usage]:
    """Measure the block: ``usage.duration`` and ``usage.peak_memory`` are set when it ends (even on error)."""
    usage = Usage(kernel_peak=_reset_peak(), started=time.perf_counter())
    try:
        yield usage
    finally:
        usage.finish()


__all__ = ["Usage", "measuring"]
