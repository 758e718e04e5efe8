"""Writing result files so that a crash never leaves half a file."""
import os
import tempfile
from contextlib import contextmanager


@contextmanager
def atomic_output(path, mode="w"):
    """Open a temporary file next to ``path``; rename it onto ``path`` only on success.

    The rename is atomic on POSIX file systems, so readers see either the old
    file or the complete new one.  On an exception the temporary file is removed.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
