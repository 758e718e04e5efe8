"""The ``plateau`` command line: click parsing, one setup resolution, the package call, writing, printing.

Each command lives in the module of its kind (:mod:`.models`: ode, stability,
sgd, compare; :mod:`.scans`: scan, plot-scan; :mod:`.fisher`: fisher;
:mod:`.teaching`: demo; :mod:`.rates`: rates; :mod:`.warmup`: warm-up); shared
options and option-string parsing in :mod:`.options`; writing and printing in
:mod:`.output`; exit statuses in :mod:`.app`, which imports a command's module
only when that command runs.  No numerical logic lives here.
"""
from .app import Failure, cli, main

__all__ = ["cli", "main", "Failure"]
