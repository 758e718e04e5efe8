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

The header's JSON (format 1) names the number of SGD runs per point
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
from .definition import COLUMNS, GRID, GRID_TYPES, RESULT_TYPES, ScanDefinition, point_key

HEADER_PREFIX = "# plateau-scan "


def read_scan(path):
    """Read a scan file: (ScanDefinition, rows as dicts in file order).

    A torn last line (a crash while it was written) is left out.  Raises
    InputError with a one-line message for a file that is not a scan file.
    """
    definition, rows, _, _ = _read(path)
    return definition, rows


class ScanFile:
    """The scan file of one definition, opened for appending (a context manager).

    Creates the file (definition line and header, atomically) when it does not
    exist; otherwise checks that it holds the same scan and drops a torn last
    line.  ``rows`` are the rows already in it (dicts, in file order).  While
    open, the file is locked (flock), so a second scan process on the same file
    is refused.
    """

    def __init__(self, path, definition):
        self.path = os.fspath(path)
        self.definition = definition
        if os.path.exists(self.path):
            existing, self.rows, length, header = _read(self.path)
            if header != COLUMNS:
                lacking = ", ".join(name for name in COLUMNS if name not in header)
                raise InputError(f"{self.path} was written by an earlier plateau (it lacks {lacking}): "
                                 "use another --out, or remove the file to run the scan again")
            diff = definition.differences(existing)
            if diff:
                name = diff[0]
                mine, theirs = definition.describe(name), existing.describe(name)
                raise InputError(f"{self.path} holds another scan ({name} is {theirs} there, {mine} here); "
                                 "use another --out, or remove the file to start over")
        else:
            with atomic_output(self.path) as handle:
                _write_head(handle, definition)
            self.rows, length = [], None
        self._handle = open(self.path, "r+")
        try:
            _lock(self._handle, self.path)
            if length is not None:
                self._handle.truncate(length)
            self._handle.seek(0, os.SEEK_END)
        except BaseException:
            self._handle.close()
            raise

    def done(self):
        """The keys (:func:`point_key`) of the points already in the file."""
        return {point_key(row) for row in self.rows}

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
        by_key = {}
        for row in self.rows:
            by_key.setdefault(point_key(row), row)
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


def _read(path):
    """(definition, rows, byte length of the complete lines, the file's columns)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InputError(f"cannot read scan file {path}: {exc.strerror}") from None
    complete = data[:data.rfind(b"\n") + 1]
    text = complete.decode("utf-8", errors="replace")
    first, _, rest = text.partition("\n")
    if not first.startswith(HEADER_PREFIX):
        raise InputError(f"{path} is not a plateau scan file (its first line is not "
                         f"'{HEADER_PREFIX.strip()} {{...}}'); use another --out or remove it")
    try:
        definition = ScanDefinition.from_json(json.loads(first[len(HEADER_PREFIX):]))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: the scan definition on its first line is unreadable ({exc})") from None
    reader = csv.reader(io.StringIO(rest))
    header = next(reader, None)
    # Files of earlier versions lack result columns added since; they are read with those empty.
    if header is None or not set(GRID) <= set(header) or not set(header) <= set(COLUMNS):
        raise InputError(f"{path}: unexpected columns; it was not written by plateau")
    rows = []
    for number, fields in enumerate(reader, start=3):
        if len(fields) != len(header):
            raise InputError(f"{path}, line {number}: expected {len(header)} fields, got {len(fields)}")
        try:
            row = dict.fromkeys(COLUMNS)
            row.update({name: _parse(name, text) for name, text in zip(header, fields)})
            rows.append(row)
        except ValueError:
            raise InputError(f"{path}, line {number}: unreadable value") from None
    return definition, rows, len(complete), tuple(header)


def _lock(handle, path):
    try:
        import fcntl
    except ImportError:   # not POSIX: no lock
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise InputError(f"{path} is being written by another running scan") from None
