"""The one exception type a stage turns into a readable message, and the shortening that keeps it readable."""

import reprlib

# The longest message a stage prints: a few lines of a few hundred characters, whatever a file held.
MAXIMUM_MESSAGE_CHARACTERS = 1200
_value_shortener = reprlib.Repr()  # Python 3.11's Repr takes its limits as attributes, not arguments.
_value_shortener.maxstring = _value_shortener.maxother = 80
_value_shortener.maxlevel = 2
_value_shortener.maxdict = _value_shortener.maxlist = _value_shortener.maxtuple = _value_shortener.maxset = 4
MAXIMUM_VALUE_CHARACTERS = 200


class PipelineError(Exception):
    """A problem the user can fix: bad params, a bad file, a failed download.

    The message is a full sentence that names the problem and the fix. Stage
    scripts print it on one line and exit non-zero instead of a traceback.
    A message is cut to `MAXIMUM_MESSAGE_CHARACTERS`, so a hostile file can
    never make a stage print megabytes; values inside it are shortened with
    `shorten` where they are written.
    """

    def __init__(self, message: str):
        if len(message) > MAXIMUM_MESSAGE_CHARACTERS:
            message = message[: MAXIMUM_MESSAGE_CHARACTERS - 20] + " ... (message cut)"
        super().__init__(message)


def shorten(value) -> str:
    """`repr(value)`, cut to about 80 characters per string, four items per level and 200 in all.

    A YAML alias bomb or a huge list from a hostile file would otherwise be
    printed whole: seven levels of aliases repr to 72 MB.
    """
    text = _value_shortener.repr(value)
    return text if len(text) <= MAXIMUM_VALUE_CHARACTERS else text[: MAXIMUM_VALUE_CHARACTERS - 3] + "..."
