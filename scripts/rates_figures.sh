#!/bin/sh
# The README's rates figures: the spectrum of the soft committee machine K = M = 2, and the map of real
# ODE runs from the usual random start over eta and K (frozen second layer), predictions on top.
# The map's scan file (docs/figures/rates_map.csv) is resumable: rerun to finish an interrupted map.
set -e
cd "$(dirname "$0")/.."
plateau rates --K 2 --plot docs/figures/rates_spectrum.png
plateau rates --map --K 2-4 --eta 0.2:3.4:17 --alpha-max 3000 --workers 2 --quiet \
    --out docs/figures/rates_map.png --scan-file docs/figures/rates_map.csv
