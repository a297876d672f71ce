"""Opening and saving sessions: the bridge between ``session_file`` and ``Session``.

Every failure to open a file is a ``SessionFileError`` whose message names the file (for
errors of the file as a whole) or the first bad field by its JSON path, so the command line
and the window can show it as it is.
"""

from __future__ import annotations

from pathlib import Path

from engine import session_file
from engine.datasets import assets_dir
from engine.errors import GradstepError, SessionFileError
from engine.session import Session


def tutorial_preset() -> Path:
    return assets_dir() / "presets" / "tutorial.json"


def open_session(path) -> Session:
    """Read a session or preset file and return a new session; the caller's state is untouched."""
    document = session_file.read(path)
    try:
        return Session.from_document(document)
    except SessionFileError:
        raise
    except GradstepError as error:
        raise SessionFileError(f"{Path(path).name}: {error}") from None


def save_session(session: Session, path, trace: str = "last") -> None:
    """Write session to path atomically; an existing file stays intact when writing fails."""
    text = session_file.dumps(session.to_document(trace))
    session_file.check_size(text)
    session_file.write_atomic(path, text)
