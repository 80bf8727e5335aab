"""One thin script per DVC stage; run as `python -m stages.<name>` from the root."""

import sys

from fashion.core.interrupts import hold_interrupts

# Run as a program (DVC's `python -m stages.<name>`), a stage holds Ctrl-C from here, before
# its libraries load, so that an interrupt at any moment ends with one line and exit 130.
if "-m" in sys.orig_argv[:-1] and sys.orig_argv[sys.orig_argv.index("-m") + 1].startswith("stages."):
    hold_interrupts()
