"""The one exception type a stage turns into a readable message."""


class PipelineError(Exception):
    """A problem the user can fix: bad params, a bad file, a failed download.

    The message is a full sentence that names the problem and the fix. Stage
    scripts print it on one line and exit non-zero instead of a traceback.
    """
