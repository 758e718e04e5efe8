"""Ctrl-C during compiled loops: defer it to the next safe point between kernel calls.

Python's default SIGINT handler raises KeyboardInterrupt at the next bytecode.
When that happens while a Numba kernel is returning, the dispatcher reports a
``SystemError`` ("returned a result with an exception set") instead, which
looks like a failure of the run.  Inside :func:`deferred_interrupts` SIGINT only
sets a flag; the loops that call kernels in bounded chunks call :func:`check`
between chunks, which raises a clean KeyboardInterrupt.  The flag is a
process-wide event, so SGD worker threads see it too.
"""
import signal
import threading
from contextlib import contextmanager

_pending = threading.Event()


def _note(signum, frame):
    _pending.set()


def check():
    """Raise KeyboardInterrupt if Ctrl-C was pressed since the last check."""
    if _pending.is_set():
        _pending.clear()
        raise KeyboardInterrupt


@contextmanager
def deferred_interrupts():
    """Within the block, SIGINT sets the flag that :func:`check` reads (main thread only; a
    process that ignores SIGINT keeps ignoring it; nested blocks share the outer handler)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    current = signal.getsignal(signal.SIGINT)
    if current in (signal.SIG_IGN, _note):
        yield
        return
    _pending.clear()
    signal.signal(signal.SIGINT, _note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, current)
    check()


def caused_by_interrupt(exc):
    """True when ``exc`` is, or was raised while handling, a KeyboardInterrupt (e.g. the
    SystemError of a compiled call that Ctrl-C hit outside :func:`deferred_interrupts`)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
