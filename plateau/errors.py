"""The one exception type for bad input.

:class:`InputError` is what every validation in the package raises for input a
user can fix (a bad option, shape, file or value).  The command line turns it
into one line ``Error: ...`` and exit status 2; any other exception is a bug and
is reported as one, never as bad input.  It subclasses ``ValueError`` so that
API users who catch ``ValueError`` keep working.
"""


class InputError(ValueError):
    """Bad input: the message is one line that says what is wrong and how to fix it."""


def choose(kind, value, choices):
    """``value`` if it is one of ``choices``, else InputError naming them all."""
    if value not in choices:
        raise InputError(f"unknown {kind} {value!r}; choose one of {', '.join(map(str, choices))}")
    return value
