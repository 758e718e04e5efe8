"""Writing result files so that a crash never leaves half a file, and checking output paths first.

Every result file is written under a temporary name beside its target,
``.NAME.PID.tmp.EXT``, and renamed onto the target only when complete (an atomic
step on POSIX file systems), so readers see the old file or the whole new one.
A killed process leaves its temporary file behind; the next run that writes the
same target removes the temporary files of processes that no longer exist
(:func:`remove_stale_temporaries`, called by :func:`check_outputs`).
"""
import os
from contextlib import contextmanager

from .errors import InputError


def _temporary_name(path, pid=None):
    directory, base = os.path.split(os.path.abspath(path))
    suffix = os.path.splitext(base)[1]
    return os.path.join(directory, f".{base}.{os.getpid() if pid is None else pid}.tmp{suffix}")


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path`` (same suffix); rename it onto ``path`` on success.

    For writers that want a file name (e.g. matplotlib's animation writers).  On an
    exception the temporary file is removed.
    """
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = _temporary_name(path)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@contextmanager
def atomic_output(path, mode="w"):
    """Open a temporary file next to ``path``; rename it onto ``path`` only on success."""
    with atomic_path(path) as tmp:
        with open(tmp, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def remove_stale_temporaries(path):
    """Remove the temporary files of ``path`` left by processes that no longer run."""
    directory, base = os.path.split(os.path.abspath(path))
    head, tail = f".{base}.", f".tmp{os.path.splitext(base)[1]}"
    for name in os.listdir(directory) if os.path.isdir(directory) else ():
        pid = name[len(head):-len(tail)] if name.startswith(head) and name.endswith(tail) else ""
        if pid.isdigit() and not _alive(int(pid)):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- checking output paths before any work ----------------------------------------------------
def figure_formats():
    """The figure formats matplotlib can write (file extensions)."""
    from matplotlib.backend_bases import FigureCanvasBase
    return sorted(FigureCanvasBase.get_supported_filetypes())


def check_outputs(files=(), folders=(), figures=(), inputs=()):
    """Check every output path before any work starts (InputError naming the option).

    Parameters
    ----------
    files : sequence of (option, path)     result files; their folder must exist or be creatable
                                           and be writable, and they must not be folders
    folders : sequence of (option, path)   output folders (created if missing)
    figures : sequence of (option, path)   figure files: as ``files``, and the extension must be
                                           a format matplotlib writes
    inputs : sequence of (option, path)    files the command reads: no output may name one

    Paths that are None are skipped.  Stale temporary files of the outputs are removed.
    """
    files = [(o, os.fspath(p)) for o, p in list(files) + list(figures) if p is not None]
    folders = [(o, os.fspath(p)) for o, p in folders if p is not None]
    inputs = [(o, os.fspath(p)) for o, p in inputs if p is not None]
    known = None
    for option, path in figures:
        if path is None:
            continue
        ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
        known = known or figure_formats()
        if ext not in known:
            raise InputError(f"{option} {path}: the file name must end in a figure format matplotlib writes "
                             f"({', '.join('.' + k for k in known)})")
    for option, path in files:
        if os.path.isdir(path):
            raise InputError(f"{option} {path} is a folder; give a file name")
        _check_writable_folder(option, os.path.dirname(os.path.abspath(path)) or ".")
    for option, path in folders:
        if os.path.exists(path) and not os.path.isdir(path):
            raise InputError(f"{option} {path} is a file; give a folder")
        _check_writable_folder(option, path)
    seen = {}
    for option, path in files + inputs:
        key = os.path.realpath(path)
        if key in seen:
            raise InputError(f"{option} and {seen[key]} name the same file {path}")
        seen[key] = option
    for _, path in files:
        remove_stale_temporaries(path)


def _check_writable_folder(option, folder):
    """The nearest existing ancestor must be a folder we can create files in (tried, not guessed)."""
    existing = os.path.abspath(folder)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise InputError(f"{option}: {existing} is not a folder")
    probe = os.path.join(existing, f".plateau-write-test.{os.getpid()}")
    try:
        with open(probe, "w"):
            pass
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{option}: cannot write in {existing} ({exc.strerror})") from None
