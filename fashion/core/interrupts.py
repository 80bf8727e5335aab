"""Ctrl-C: stop at a point where nothing is half done, say one line, exit 130.

Python's own Ctrl-C raises `KeyboardInterrupt` at whatever bytecode runs, which
during training is often inside TensorFlow's or Keras's Python code: a device
scope entered and not left ("Exiting device scope without proper scope
nesting"), an iterator half torn down. The stage then fails with another
traceback, or the interpreter's teardown meets TensorFlow threads in that state
and the process aborts (SIGABRT) or crashes (SIGSEGV) instead of exiting 130.

So a stage run as a program holds Ctrl-C from its first line (`hold_interrupts`,
called by the `stages` package): while Python imports the stage's libraries, and
after the stage has said its last line, an interrupt is only recorded. The
entry point then records it and raises (`recorded_interrupts`): whatever
exception follows is reported as the interruption, and one that came while the
stage was starting stops it before it begins. Training defers it
(`deferred_interrupts`): the first Ctrl-C only sets a flag, which the fit loop
reads after each batch (`StopWhenInterrupted` in fashion.training.fit) to leave
Keras's loop the normal way; a second Ctrl-C raises at once. And a stage run as
a program leaves with `exit_with`, which skips the interpreter's teardown: every
output is written atomically, so there is nothing to finish.
"""

import contextlib
import os
import signal
import sys
import threading

INTERRUPTED_EXIT_CODE = 130  # 128 + SIGINT, what shells report for Ctrl-C

_interrupted = threading.Event()


def interrupt_requested() -> bool:
    """Whether Ctrl-C (SIGINT) arrived since the stage began."""
    return _interrupted.is_set()


def _can_handle_signals() -> bool:
    """Python installs signal handlers from the main thread only, and a SIGINT ignored (a background job) stays so."""
    return (
        threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
    )


@contextlib.contextmanager
def _sigint_handler(handler):
    if not _can_handle_signals():
        yield
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _record(signal_number, frame):
    _interrupted.set()


def hold_interrupts() -> None:
    """From now on, Ctrl-C is only recorded, until `recorded_interrupts` takes over (and after it ends)."""
    if _can_handle_signals():
        signal.signal(signal.SIGINT, _record)


def _record_and_raise(signal_number, frame):
    _interrupted.set()
    raise KeyboardInterrupt


def _defer(signal_number, frame):
    if _interrupted.is_set():  # a second Ctrl-C: the user will not wait for the batch to end
        raise KeyboardInterrupt
    _interrupted.set()


@contextlib.contextmanager
def recorded_interrupts():
    """Within: Ctrl-C raises `KeyboardInterrupt` as usual, and `interrupt_requested()` remembers it.

    One recorded before (while the stage was starting) raises at once.
    """
    with _sigint_handler(_record_and_raise):
        if _interrupted.is_set():
            raise KeyboardInterrupt
        yield


@contextlib.contextmanager
def deferred_interrupts():
    """Within: Ctrl-C only sets the flag that the loop polls; on leaving, a pending one raises `KeyboardInterrupt`."""
    with _sigint_handler(_defer):
        yield
    if _interrupted.is_set():
        raise KeyboardInterrupt


def exit_with(code: int):
    """Leave the program with `code` at once, without the interpreter's teardown.

    Every output is already written (atomically) and closed. The teardown
    would meet TensorFlow's threads, possibly mid-interrupt, and it restores
    Ctrl-C's default action, so that a Ctrl-C during it kills the process
    (SIGINT) after the stage has already succeeded.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
