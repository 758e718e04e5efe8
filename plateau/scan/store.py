"""The scan file: written as points finish, survives a crash, and is also the reader.

The scan file is CSV: a first line ``# plateau-scan {json}`` holding the
definition (:meth:`ScanDefinition.to_json`), a header row (:data:`COLUMNS`),
then one row per finished point.  It is created atomically and then grows by
whole lines, each flushed and fsynced as its point finishes, so a killed scan
loses only the points in flight (a torn last line is dropped when the file is
next opened).  Running the same scan on an existing file skips the points it
holds; a file of another scan is refused.  When every point is there, the file
is rewritten once, atomically, in grid order.  Read it with :func:`read_scan`,
or with ``pandas.read_csv(path, comment='#')``.

The header's JSON (format 1) holds ``grid_notes`` (that the damping applies to
ngd rows only; gd rows leave it empty), which reading ignores, and names the number of SGD runs per point
``sgd_seeds``, its name before it became ``ScanDefinition.sgd_runs``, so that
files written before the rename are still read and resumed; ``sgd_runs`` is
accepted on reading too.
"""
import csv
import io
import json
import math
import os

from ..errors import InputError
from ..files import atomic_output
from .definition import COLUMNS, GRID, GRID_ADDED, GRID_TYPES, RESULT_TYPES, ScanDefinition, point_key

HEADER_PREFIX = "# plateau-scan "


def read_scan(path):
    """Read a scan file: (ScanDefinition, rows as dicts in file order, one per point).

    A torn last line (a crash while it was written) is left out; of a point run
    more than once (an error row, then its rerun) the last row counts.  Raises
    InputError with a one-line message for a file that is not a scan file.
    """
    definition, rows, _, _ = _read(path)
    return definition, latest_rows(rows)


def latest_rows(rows):
    """The last row of each point, in the order of the points' first rows."""
    last = {}
    for row in rows:
        last[point_key(row)] = row
    seen, out = set(), []
    for row in rows:
        key = point_key(row)
        if key not in seen:
            seen.add(key)
            out.append(last[key])
    return out


class ScanFile:
    """The scan file of one definition, opened for appending (a context manager).

    Creates the file (definition line and header, atomically) when it does not
    exist; otherwise checks that it holds the same scan and drops a torn last
    line.  ``rows`` are the rows already in it (dicts, in file order).  While
    open, the file is locked (flock), so a second scan process on the same file
    is refused.
    """

    def __init__(self, path, definition, repair=False):
        self.path = os.fspath(path)
        self.definition = definition
        # Create-or-open and lock first, then look inside: two scans started together on a new
        # file open the same inode, and exactly one of them gets the lock.
        try:
            self._handle = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666), "r+")
        except OSError as exc:
            raise InputError(f"cannot open scan file {self.path}: {exc.strerror}") from None
        try:
            _lock(self._handle, self.path)
            self._open(repair)
        except BaseException:
            self._handle.close()
            raise

    def _open(self, repair):
        if os.fstat(self._handle.fileno()).st_size == 0:   # new (or created by a run killed at once)
            _write_head(self._handle, self.definition)
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self.rows = []
            return
        existing, self.rows, length, header = _read(self.path, repair)
        if header != COLUMNS:
            lacking = ", ".join(name for name in COLUMNS if name not in header)
            raise InputError(f"{self.path} was written by an earlier plateau (it lacks {lacking}): "
                             "use another --out, or remove the file to run the scan again")
        diff = self.definition.differences(existing)
        if diff:
            name = diff[0]
            mine, theirs = self.definition.describe(name), existing.describe(name)
            raise InputError(f"{self.path} holds another scan ({name} is {theirs} there, {mine} here); "
                             "use another --out, or remove the file to start over")
        self._handle.truncate(length)
        self._handle.seek(0, os.SEEK_END)

    def done(self):
        """The keys (:func:`point_key`) of the points the file holds a result for: rows with
        status 'error' (the point raised) do not count, so a rerun runs them again."""
        return {point_key(row) for row in latest_rows(self.rows) if row["status"] != "error"}

    def append(self, row):
        """Write one row as a whole line, flushed and fsynced."""
        self._handle.write(_row_line(row))
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.rows.append(row)

    def finish(self):
        """When every point is in the file, rewrite it once in grid order (atomically).

        Returns the number of grid points still missing.
        """
        by_key = {point_key(row): row for row in latest_rows(self.rows)}
        points = self.definition.points()
        missing = sum(point_key(p) not in by_key for p in points)
        ordered = [by_key[point_key(p)] for p in points if point_key(p) in by_key]
        if missing == 0 and ordered != self.rows:
            with atomic_output(self.path) as handle:
                _write_head(handle, self.definition)
                for row in ordered:
                    handle.write(_row_line(row))
            self.rows = ordered
        return missing

    def close(self):
        if not self._handle.closed:
            self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- lines -------------------------------------------------------------------------------
def _write_head(handle, definition):
    handle.write(HEADER_PREFIX + json.dumps(definition.to_json(), separators=(",", ":")) + "\n")
    handle.write(_row_line({name: name for name in COLUMNS}))


def _format(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    # '#' would start a comment for readers such as pandas.read_csv(comment='#').
    return str(value).replace("#", "no.").replace("\n", " ")


def _parse(name, text):
    kind = GRID_TYPES.get(name) or RESULT_TYPES.get(name, float)
    if kind is str:
        return text if text or name in GRID_TYPES else None
    if text == "":
        return None
    return kind(text)


def _row_line(row):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([_format(row.get(name)) for name in COLUMNS])
    return buffer.getvalue()


def _read(path, repair=False):
    """(definition, rows, byte length of the kept lines, the file's columns).

    With ``repair``, unreadable lines at the end of the file (e.g. NUL bytes after a
    crash) are left out of the kept lines instead of being an error.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InputError(f"cannot read scan file {path}: {exc.strerror}") from None
    complete = data[:data.rfind(b"\n") + 1]
    raw = [line + b"\n" for line in complete.split(b"\n")[:-1]]
    lines = [line.decode("utf-8", errors="replace") for line in raw]
    first = lines[0].rstrip("\n") if lines else ""
    if not first.startswith(HEADER_PREFIX):
        raise InputError(f"{path} is not a plateau scan file (its first line is not "
                         f"'{HEADER_PREFIX.strip()} {{...}}'); use another --out or remove it")
    try:
        definition = ScanDefinition.from_json(json.loads(first[len(HEADER_PREFIX):]))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: the scan definition on its first line is unreadable ({exc})") from None
    header = _fields(lines[1]) if len(lines) > 1 else None
    # Files of earlier versions lack result columns added since; they are read with those empty (and
    # without the grid columns GRID_ADDED, read as their values then: algorithm gd, no damping).
    if header is None or not set(GRID) - set(GRID_ADDED) <= set(header) or not set(header) <= set(COLUMNS):
        raise InputError(f"{path}: unexpected columns; it was not written by plateau")
    rows, kept = [], len(raw[0]) + len(raw[1])
    for number, line in enumerate(lines[2:], start=3):
        try:
            rows.append(_row(header, line))
        except ValueError as exc:
            tail = lines[number - 1:]
            if repair and not any(_readable(header, later) for later in tail[1:]):
                break   # an unreadable tail: left out, the file is cut there
            raise InputError(f"{path}, line {number}: {exc}; if the scan was killed while writing, rerun "
                             "with --repair to drop the unreadable lines at the end") from None
        kept += len(raw[number - 1])
    return definition, rows, kept, tuple(header)


def _fields(line):
    """The CSV fields of one line (ValueError for a line csv cannot read, e.g. with NUL bytes)."""
    try:
        return next(csv.reader([line]), [])
    except csv.Error as exc:
        raise ValueError(str(exc)) from None


def _row(header, line):
    """One row dict from a line of the file (ValueError when it cannot be read)."""
    fields = _fields(line)
    if len(fields) != len(header):
        raise ValueError(f"expected {len(header)} fields, got {len(fields)}")
    row = dict.fromkeys(COLUMNS)
    row.update(GRID_ADDED)
    try:
        row.update({name: _parse(name, text) for name, text in zip(header, fields)})
    except ValueError:
        raise ValueError("unreadable value") from None
    return row


def _readable(header, line):
    try:
        _row(header, line)
        return True
    except ValueError:
        return False


def _lock(handle, path):
    try:
        import fcntl
    except ImportError:   # not POSIX: no lock
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise InputError(f"{path} is being written by another running scan") from None
