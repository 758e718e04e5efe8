"""Figures from result objects: functions take results and return matplotlib Figures or Axes.

Nothing here computes model quantities or calls ``show``; the CLI saves figures.
:mod:`.curves` draws single runs (learning curves, order parameters, plateaus, ODE
against SGD), :mod:`.scans` scans, :mod:`.fisher` Fisher spectra and :mod:`.rates`
learning-rate limits.
"""
from .curves import (comparison_figure, plot_comparison, plot_eps_g, plot_order_parameters, shade_plateaus,
                     trajectory_figure)
from .fisher import add_fisher_panel, fisher_figure
from .rates import rates_map_figure, rates_spectrum_figure
from .scans import ngd_scan_figure, plot_plateau_fraction, plot_scan_series, scan_figure

__all__ = ["add_fisher_panel", "comparison_figure", "fisher_figure", "ngd_scan_figure", "plot_comparison",
           "plot_eps_g", "plot_order_parameters", "plot_plateau_fraction", "plot_scan_series",
           "rates_map_figure", "rates_spectrum_figure", "scan_figure", "shade_plateaus", "trajectory_figure"]
