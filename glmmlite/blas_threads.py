"""How many BLAS threads the dense factorizations of a fit use.

OpenBLAS (numpy's and scipy's BLAS) starts one thread per core, and inside a Cholesky
factorization its threads wait for each other.  When another process holds a core, the
thread that shares it is scheduled only part of the time and the others wait: on a
2-core machine with one other busy process, the crossed benchmark design
(``benchmarks/fit.py crossed``) took 53 s with two threads against 7 s with one (5 s with
two on an idle machine).  So a fit with a large dense part (the Schur complement of a
crossed design) looks, once, at how many processes are running at its start, leaves them
their cores, and runs its BLAS calls with the rest (at least one).
:class:`glmmlite.GlmerControl` ``(blas_threads=k)`` sets the number instead.

The limit is applied through ``threadpoolctl`` (scikit-learn's library for exactly this);
without it the BLAS library's own setting is left alone.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Iterator

__all__ = ["choose_threads", "blas_threads", "busy_elsewhere"]

#: samples of the run queue taken at the start of a fit, 1 ms apart: a process that shows
#: in every sample holds a core; one that shows once is a passing blip
SAMPLES = 5


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def busy_elsewhere() -> int | None:
    """How many other processes are running now (Linux's run queue in ``/proc/loadavg``,
    the smallest of a few samples), or the 1-minute load average rounded where that file is
    missing; None when neither is known."""
    counts = []
    for k in range(SAMPLES):
        try:
            with open("/proc/loadavg") as fh:
                running = int(fh.read().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            counts = []
            break
        counts.append(max(0, running - 1))            # this process is running while it reads
        if k + 1 < SAMPLES:
            time.sleep(0.001)
    if counts:
        return min(counts)
    try:
        return int(round(os.getloadavg()[0]))
    except (AttributeError, OSError):
        return None


def choose_threads(requested: int | None) -> int | None:
    """BLAS threads for a fit: ``requested`` if given, else the cores the other running
    processes leave (at least 1); None means "leave the BLAS library's setting alone"
    (nothing else is running, or nothing is known)."""
    if requested is not None:
        return max(1, int(requested))
    busy = busy_elsewhere()
    if not busy:
        return None
    return max(1, available_cores() - busy)


@contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Run the block with at most ``n`` BLAS threads (no limit for None)."""
    if n is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:                                  # an optional helper: no limit without it
        yield
        return
    with threadpool_limits(limits=int(n), user_api="blas"):
        yield
