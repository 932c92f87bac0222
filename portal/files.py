"""Files only the portal's own user may read: folders 0700, files 0600.

The instance folder holds the database, the secret key, uploaded documents and upload
previews; on a shared host the default umask (0644 files) would let every local account
read them.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it private; returns it."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    for created in missing:  # mkdir applies the mode to the last part only, minus the umask
        os.chmod(created, FOLDER_MODE)
    _restrict(path, FOLDER_MODE)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, readable by the owner only from the first byte on."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)  # an existing file keeps its mode otherwise
        handle.write(data)


def private_file(path: Path) -> None:
    """Create ``path`` empty if it is missing, and make it readable by the owner only.

    An existing file is never opened: closing any descriptor of an SQLite database releases
    every lock this process holds on it (POSIX record locks), so a new connection opened
    while another thread's transaction runs would let other processes corrupt the file.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    _restrict(path, FILE_MODE)


def _restrict(path: Path, mode: int) -> None:
    # What existed before is tightened too, unless another account owns it (its owner's
    # choice, and chmod is not ours to do there).
    try:
        os.chmod(path, mode)
    except PermissionError:
        pass
