#!/usr/bin/env bash
# Geometric median of means (Chen, Su, Xu 2017) on linear regression: runs hocon/experiments/gmom-floor.conf over
# q (Byzantine machines) at fixed N and over N at fixed q, attacked and clean, fits the error floor's log-log slopes,
# prints them and draws docs/gmom-floor-q.png and docs/gmom-floor-n.png. Runs are sequential; finished runs on disk
# are reused. About 3-5 minutes on the project's 2 cores. Results and reasoning: docs/RESULTS-gmom.md.
#
#   scripts/gmom-floor.sh [--out DIR] [--seeds "1 2 3"] [--no-plots]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Host -c Release -v quiet -nologo > /dev/null
exec /usr/bin/python3 scripts/gmom_floor.py "$@"
