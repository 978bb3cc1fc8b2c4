"""The toolkit's errors, in one place.

Each is a one-line, user-facing message: the CLI prints ``fazhi: error: <message>`` (or
``fazhi: skipped <path>: <reason>`` for a file in a batch), never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from nlp.limits import display_path


class ReadError(Exception):
    """A file that cannot be read as a report; ``str(err)`` is the one-line reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        path, reason = display_path(path), display_path(reason)  # one printable line, whatever the name
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ModelError(ValueError):
    """A model directory that cannot be used; the message says why."""


class LabelError(ValueError):
    """A label file that cannot be used; the message names the file and the problem."""


class TableFormatError(ValueError):
    """An output path whose suffix names no table format the toolkit writes."""


class GenreHintWarning(UserWarning):
    """Units that give no genre read like 法治政府建设 reports but are tagged as work-report units."""
