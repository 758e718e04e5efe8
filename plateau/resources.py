"""What this machine lets the process use."""
import os


def cpu_count():
    """The CPUs this process may use (its affinity mask on Linux, else all CPUs)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1
