"""Plateau-time scans: a parameter grid, one measured row per point, a resumable scan file.

One module per concern:

- :mod:`.definition`  what a scan computes: the grid, the shared settings, their checks and
  JSON form (:class:`ScanDefinition`), the columns of a row (:data:`COLUMNS`)
- :mod:`.store`       the crash-safe scan file, writer and reader (:class:`ScanFile`, :func:`read_scan`)
- :mod:`.runner`      one point (:func:`run_point`) and the scan loop (:func:`run_scan`)
- :mod:`.executors`   where points run: serially, in a process pool, on Dask
- :mod:`.summary`     rows grouped into lines for figures (:func:`scan_series`, :func:`scan_title`,
  :func:`compares_algorithms`)
"""
from .definition import (COLUMNS, DEFAULT_GRID, FORMAT_VERSION, GRID, NUMERIC_RESULTS, RESULTS, ScanDefinition,
                         point_key)
from .executors import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor
from .runner import ScanResult, run_point, run_scan, warm_up
from .store import HEADER_PREFIX, ScanFile, read_scan
from .summary import STUCK_OUTCOMES, ScanSeries, compares_algorithms, scan_series, scan_title

__all__ = ["COLUMNS", "DEFAULT_GRID", "FORMAT_VERSION", "GRID", "HEADER_PREFIX", "NUMERIC_RESULTS", "RESULTS",
           "DaskExecutor", "ProcessExecutor", "ScanDefinition", "ScanFile", "ScanResult", "ScanSeries",
           "STUCK_OUTCOMES", "SerialExecutor", "compares_algorithms", "make_executor", "point_key", "read_scan", "run_point", "run_scan", "scan_series",
           "scan_title", "warm_up"]
