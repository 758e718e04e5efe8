"""Fisher information of the two-layer student (issue 12): spectrum, dense matrix, tables.

See :mod:`plateau.fisher.spectrum` for the structure of the spectrum and
:mod:`plateau.fisher.averages` for the Gaussian averages.
"""
from .averages import averages
from .dense import dense_fisher, monte_carlo_fisher
from .spectrum import FisherSpectrum, bulk_matrix, fisher_spectrum, trajectory_spectrum
from .table import fisher_table, plateau_fisher, read_fisher_table, write_fisher_table

__all__ = ["FisherSpectrum", "averages", "bulk_matrix", "dense_fisher", "fisher_spectrum", "monte_carlo_fisher",
           "trajectory_spectrum", "fisher_table", "plateau_fisher", "read_fisher_table",
           "write_fisher_table"]
