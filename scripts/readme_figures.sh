#!/usr/bin/env bash
# The README's scan figures: four ODE scans (a few minutes on 2 cores) and their plots, in docs/figures/.
# Rerunning resumes each scan from its file (a finished one is only checked) and redraws the figures.
# PLATEAU names the command (default: python -m plateau, the package of this checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
plateau=(${PLATEAU:-python -m plateau})
out=docs/figures
common=(--L 1,2,3,4,6,8 --eta 0.1 --eta-w 0.1 --seeds 0-19 --alpha-max 1e5)
"${plateau[@]}" scan --K 2 --M 2 --teacher degenerate,orthogonal,random "${common[@]}" --out $out/scan_teacher_K2.csv
"${plateau[@]}" scan --K 3 --M 3 --teacher degenerate,orthogonal,random "${common[@]}" --out $out/scan_teacher_K3.csv
"${plateau[@]}" scan --K 2 --M 2 --teacher degenerate,random --init random,orthogonal "${common[@]}" \
    --out $out/scan_init_K2.csv
"${plateau[@]}" scan --K 2 --M 2 --L 2 --teacher angle:0,angle:2,angle:5,angle:10,angle:15,angle:30,angle:45,angle:60,angle:75,angle:90 \
    --eta 0.1 --eta-w 0.1 --seeds 0-19 --alpha-max 1e5 --out $out/scan_angle_K2.csv
for name in scan_teacher_K2 scan_teacher_K3 scan_init_K2; do
    "${plateau[@]}" plot-scan $out/$name.csv --x L --y escape_alpha --out $out/$name.png
done
"${plateau[@]}" plot-scan $out/scan_angle_K2.csv --x teacher --y plateau_length --out $out/scan_angle_K2.png
