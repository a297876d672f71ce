"""The project's own exception types.

Every error that bad input can cause is one of these, so the command line and the
window can catch them at the action boundary and show the message alone. They derive
from ``ValueError`` because each one reports a bad value.
"""


class GradstepError(ValueError):
    """Base class: a value given to Gradstep is invalid. The message names it."""


class SpecError(GradstepError):
    """A network specification is invalid (layer, units, activation or loss)."""


class DataError(GradstepError):
    """A data set is invalid: a bad cell, a ragged row, targets of the wrong width."""


class SessionFileError(GradstepError):
    """A session or preset file cannot be read: the message names the first bad field."""


MAX_MESSAGE_LENGTH = 400


def one_line(message: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """Return message as one printable line of at most limit characters.

    Line breaks and other control characters (which a bad file can put into a quoted
    value) are shown as escapes, so a message never spans lines or drives the terminal.
    """
    text = "".join(
        character if character.isprintable() else character.encode("unicode_escape").decode("ascii")
        for character in str(message)
    )
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
