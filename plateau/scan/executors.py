"""Where scan points run: one small interface, three implementations.

An executor has five methods::

    threads_per_task()       -> int, the threads one task may use so that the tasks running
                             at once share the CPUs without oversubscribing them
    warm_up(fn, *args)       run fn(*args) once wherever points will run, before any point
    submit(fn, *args)        -> a future (``.result()``, ``.cancel()``)
    as_completed(futures)    iterate over the futures as they finish
    close(cancel=False)      release the workers; cancel=True drops queued work and stops
                             the work in flight

and is a context manager (``with executor:`` closes it, cancelling after an exception).

:class:`SerialExecutor` runs points one at a time in this process (``workers=1``),
:class:`ProcessExecutor` in a local process pool, and :class:`DaskExecutor` on a
Dask distributed cluster (the optional extra ``plateau[dask]``).  The scan code
(:func:`plateau.scan.run_scan`) sees only the interface.

Numba compiles the kernels on the first call of a process and caches them on
disk.  ``warm_up`` compiles (or loads) them in this process before the pool
forks, so that forked workers inherit the compiled code; workers started
without fork load it from the disk cache that the warm-up filled.
"""
import concurrent.futures
import multiprocessing
import os
import signal
import sys

from ..errors import InputError
from ..resources import cpu_count


class _Closing:
    """``with executor:`` closes it on exit, cancelling queued work after an exception."""

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        self.close(cancel=kind is not None)


class _DeferredFuture:
    """A future whose call runs when its result is first asked for (serial execution)."""

    def __init__(self, fn, args):
        self._call = (fn, args)
        self._done = False
        self._value = self._error = None

    def result(self):
        if not self._done:
            fn, args = self._call
            try:
                self._value = fn(*args)
            except Exception as exc:
                self._error = exc
            self._done = True
        if self._error is not None:
            raise self._error
        return self._value

    def cancel(self):
        return not self._done


class SerialExecutor(_Closing):
    """Points run one after the other in this process, when :meth:`as_completed` reaches them."""

    def threads_per_task(self):
        """All CPUs: one task runs at a time."""
        return cpu_count()

    def warm_up(self, fn, *args):
        fn(*args)

    def submit(self, fn, *args):
        return _DeferredFuture(fn, args)

    def as_completed(self, futures):
        for future in futures:
            try:
                future.result()
            except Exception:
                pass   # the caller's .result() raises it again
            yield future

    def close(self, cancel=False):
        pass


def _worker_initializer(warm_up, pids, cancelled):
    # Die with the scan process: a killed scan must not leave orphan workers holding its file.
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    # Ctrl-C goes to the whole process group; the scan process handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Report this worker, so that close(cancel=True) can stop it.  The pool set `cancelled` before
    # it read the reports: a worker whose report came too late to be read sees it and stops itself.
    pids.put(os.getpid())
    if cancelled.is_set():
        os._exit(1)
    if warm_up is not None:
        fn, args = warm_up
        fn(*args)


class ProcessExecutor(_Closing):
    """A local process pool of ``workers`` processes (fork where available).

    With fork (Linux) the workers start at the first :meth:`submit`, after
    :meth:`warm_up` ran here, and inherit the compiled kernels.  With another
    start method each worker runs the warm-up once when it starts, loading the
    kernels from Numba's disk cache.
    """

    def __init__(self, workers=None):
        self.workers = cpu_count() if workers is None else int(workers)
        if self.workers < 1:
            raise InputError(f"workers must be an integer >= 1, got {workers}")
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._forks = self._context.get_start_method() == "fork"
        self._warm = None
        self._pool = None
        self._reports = self._cancelled = None
        self._pids = set()

    def threads_per_task(self):
        """The CPUs shared among the workers (at least 1)."""
        return max(1, cpu_count() // self.workers)

    def warm_up(self, fn, *args):
        fn(*args)
        self._warm = (fn, args)

    def _ensure_pool(self):
        if self._pool is None:
            warm = None if self._forks else self._warm
            self._reports, self._cancelled = self._context.SimpleQueue(), self._context.Event()
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=self._context, initializer=_worker_initializer,
                initargs=(warm, self._reports, self._cancelled))
        return self._pool

    def submit(self, fn, *args):
        return self._ensure_pool().submit(fn, *args)

    def as_completed(self, futures):
        return concurrent.futures.as_completed(futures)

    def worker_pids(self):
        """The process ids of the workers started so far (a set; empty before the first submit)."""
        while self._reports is not None and not self._reports.empty():
            self._pids.add(self._reports.get())
        return set(self._pids)

    def close(self, cancel=False):
        if self._pool is None:
            return
        if cancel:
            # Points in flight are abandoned: stop their processes rather than wait for them.
            self._cancelled.set()
            manager = getattr(self._pool, "_executor_manager_thread", None)   # gone after shutdown
            self._pool.shutdown(wait=False, cancel_futures=True)
            pids = self.worker_pids()
            workers = [process for process in multiprocessing.active_children() if process.pid in pids]
            for process in workers:
                process.terminate()
            for process in workers:
                process.join(timeout=5)
            if manager is not None:
                # It settles the abandoned points' futures (broken pool) once it sees the workers
                # gone: wait for that, so that no future is left pending after close.
                manager.join(timeout=5)
        else:
            self._pool.shutdown(wait=True)
        self._reports.close()
        self._pool = self._reports = self._cancelled = None
        self._pids = set()


class DaskExecutor(_Closing):
    """Points run as tasks on a Dask distributed cluster.

    Parameters
    ----------
    address : str, optional      scheduler address ('tcp://host:8786'), or 'local' to start a
                                 LocalCluster of ``workers`` single-threaded worker processes
    workers : int, optional      workers of a local cluster (default: the CPUs)
    client : distributed.Client, optional   use this client instead (not closed by :meth:`close`)

    The workers must be able to import ``plateau`` (install it on every worker machine).
    """

    def __init__(self, address=None, workers=None, client=None):
        try:
            from dask import distributed
        except ImportError:
            raise InputError("--scheduler needs dask.distributed: pip install 'plateau[dask]' "
                             "(or pip install 'dask[distributed]')") from None
        self._distributed = distributed
        self._cluster = None
        self._owns_client = client is None
        if client is not None:
            self.client = client
        elif address == "local":
            import logging
            self._cluster = distributed.LocalCluster(
                n_workers=cpu_count() if workers is None else int(workers), threads_per_worker=1,
                processes=True, dashboard_address=None, silence_logs=logging.ERROR)
            self.client = distributed.Client(self._cluster)
        else:
            import logging   # a lost scheduler is reported once, by the command (plateau.cli.scans)
            logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
            try:
                self.client = distributed.Client(address, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise InputError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
        self._futures = []

    def threads_per_task(self):
        """1: a Dask worker runs its tasks in its own threads."""
        return 1

    def warm_up(self, fn, *args):
        fn(*args)   # fills the Numba disk cache, which local worker processes then load
        self.client.run(fn, *args)

    def submit(self, fn, *args):
        future = self.client.submit(fn, *args, pure=False)
        self._futures.append(future)
        return future

    def as_completed(self, futures):
        return self._distributed.as_completed(futures)

    def close(self, cancel=False):
        if cancel and self._futures:
            self.client.cancel(self._futures)
        self._futures = []
        if self._owns_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(workers=None, scheduler=None):
    """The executor for the CLI options: Dask when ``scheduler`` is given, else a process
    pool of ``workers`` processes (serial when ``workers`` is 1)."""
    if workers is not None and (isinstance(workers, bool) or int(workers) != workers or workers < 1):
        raise InputError(f"--workers must be an integer >= 1, got {workers}")
    if scheduler is not None:
        return DaskExecutor(scheduler, workers=workers)
    if (cpu_count() if workers is None else workers) == 1:
        return SerialExecutor()
    return ProcessExecutor(workers)
