#!/usr/bin/env bash
# The README's NGD scan: plain against natural gradient over the learning rate and the damping (soft committee
# machine, erf, K = M = 2, L = 1, frozen second layer, degenerate teacher; about 20 s on one core once Numba has
# compiled), and its figure, in docs/figures/.  Rerunning resumes the scan from its file and redraws the figure.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/figures
plateau scan --K 2 --M 2 --L 1 --teacher degenerate --eta-w 0 --init-N 100000 --algorithm gd,ngd \
             --damping 0.001,0.01,0.05,0.2 --eta 0.1,0.2,0.5,1,1.5,2,3 --seeds 0-4 --alpha-max 3000 \
             --out $out/scan_ngd.csv
plateau plot-scan $out/scan_ngd.csv --x eta --y alpha_to_target --out $out/scan_ngd.png
