#!/bin/sh
# Runs a command and prints its wall time at the end, whether it passed or failed, keeping its exit
# status: `scripts/timed.sh LABEL COMMAND [ARGS...]`. `make test` runs its steps through it so every
# run reports how long the whole suite took (the number to watch on a 2-core machine).
label=$1
shift
start=$(date +%s)
"$@"
status=$?
elapsed=$(($(date +%s) - start))
if [ "$status" -eq 0 ]; then outcome=passed; else outcome="FAILED (exit $status)"; fi
printf '%s %s in %dm%02ds wall time\n' "$label" "$outcome" $((elapsed / 60)) $((elapsed % 60))
exit "$status"
