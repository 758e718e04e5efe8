"""The Fisher spectrum of a run: from a trajectory file or a fresh integration.

:func:`spectrum_settings` decides the activation, the second layer (trained or
frozen) and L for a trajectory, from its file's setup when the file records one
and from the caller's values otherwise (conflicts are refused: a spectrum
computed for the wrong network would be silently wrong).
"""
from ..errors import InputError


def spectrum_settings(trajectory, activation=None, frozen=None, L=None):
    """(activation, trained, L) for the Fisher spectrum of ``trajectory``.

    Parameters
    ----------
    trajectory : Trajectory     its ``setup`` (when known) fixes all three
    activation : str or None    required when the trajectory has no setup (default 'erf')
    frozen : bool or None       True: the second layer is frozen (J-only metric)
    L : int or None             number of outputs; needed when the setup is unknown
    """
    setup = trajectory.setup
    if setup is None:
        if L is None:
            raise InputError("this trajectory file does not record its setup: give the number of outputs --L")
        return activation or "erf", not frozen, int(L)
    recorded = {"activation": setup.activation, "frozen": setup.eta_w == 0, "L": setup.L}
    given = {"activation": activation, "frozen": frozen, "L": L}
    for name, value in given.items():
        if value is not None and value != recorded[name]:
            option = {"frozen": "--frozen-w"}.get(name, "--" + name)
            raise InputError(f"{option} contradicts the trajectory file, whose setup has {name} = {recorded[name]}")
    return setup.activation, setup.eta_w > 0, setup.L


def run_spectrum(trajectory, N=None, activation=None, frozen=None, L=None):
    """The Fisher spectrum along ``trajectory`` (see :func:`plateau.fisher.trajectory_spectrum`)."""
    from .spectrum import trajectory_spectrum
    activation, trained, L = spectrum_settings(trajectory, activation, frozen, L)
    return trajectory_spectrum(trajectory, activation=activation, trained=trained, N=N, L=L)
