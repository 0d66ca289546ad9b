#!/usr/bin/env bash
# Runs every test of the solution (what CI runs), after making sure the machine is set up.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
log=$(mktemp)
set +e
dotnet test VisualMemoryCluster.sln -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line in the plain "N passed, N failed" form, summed over the test assemblies.
awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     } END { gsub(",", "", f); printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
# The evaluation harness end to end on the real dataset, in its quick form (seconds on 2 cores).
report=$(mktemp -d)
if ! dotnet src/VisualMemory.Cli/bin/Release/net10.0/vm.dll eval --report "$report" --dataset fashion-mnist --quick > "$report/out.txt" 2>&1; then
  cat "$report/out.txt"
  echo "vm eval --quick failed"
  status=1
else
  echo "vm eval --quick: $(tail -n 1 "$report/out.txt")"
fi
rm -rf "$report"
exit "$status"
