"""What every stage script shares: turning expected failures into one line."""

import functools
import sys
import time

from fashion.core.errors import PipelineError
from fashion.core.interrupts import INTERRUPTED_EXIT_CODE, interrupt_requested, recorded_interrupts


def stage_entry_point(stage_name: str):
    """Decorate a stage's `main(argv=None)` so it returns an exit code.

    A `PipelineError` prints `<stage>: error: <message>` and returns 1; Ctrl-C
    prints one line and returns 130, whatever exception it caused on its way
    (fashion.core.interrupts). Outputs are written atomically, so neither
    leaves a half-written file behind. Anything else is a bug and keeps its
    traceback.
    """

    def decorate(main):
        @functools.wraps(main)
        def wrapper(argv=None) -> int:
            started = time.perf_counter()
            try:
                with recorded_interrupts():
                    summary = main(argv)
            except (KeyboardInterrupt, Exception) as error:
                if not isinstance(error, KeyboardInterrupt) and not interrupt_requested():
                    if not isinstance(error, PipelineError):
                        raise
                    print(f"{stage_name}: error: {error}", file=sys.stderr)
                    return 1
                print(f"{stage_name}: interrupted; no partial outputs were kept.", file=sys.stderr)
                return INTERRUPTED_EXIT_CODE
            elapsed = time.perf_counter() - started
            print(f"{stage_name}: {summary} ({elapsed:.1f} s)")
            return 0

        return wrapper

    return decorate
