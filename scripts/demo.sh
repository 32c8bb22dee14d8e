#!/usr/bin/env bash
# `make demo`: the whole mission on this machine. Start the local Neo4j + GDS, simulate a platform under attack
# (the `demo` preset), load it, detect the networks, print the top networks and the figures against the truth,
# write the report, and leave the API running with the URLs of its docs and of the network page.
# A second run reuses the simulated batch and the load (both say so) and re-runs detection.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DEMO_DIR=${DEMO_DIR:-var/demo}
REPORT_DIR=${REPORT_DIR:-report}
export SOCKHOUND_HASH_KEY=${SOCKHOUND_HASH_KEY:-sockhound-demo-key-not-for-production}
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }

step "Neo4j + GDS"
$BIN/sockhound db start
$BIN/sockhound db migrate

step "simulate"
if [ -f "$DEMO_DIR/world.json" ]; then
  echo "reusing the simulated batch in $DEMO_DIR (delete it to simulate afresh)"
else
  $BIN/sockhound simulate --preset demo --out "$DEMO_DIR"
fi

step "load"
$BIN/sockhound load "$DEMO_DIR"

step "detect"
$BIN/sockhound detect
$BIN/sockhound export verdicts --out var/demo-verdicts.csv

step "evaluate against the truth"
$BIN/sockhound evaluate --truth "$DEMO_DIR/truth.csv"

step "report"
$BIN/sockhound report --truth "$DEMO_DIR/truth.csv" --batch "$DEMO_DIR" --out "$REPORT_DIR"

step "API"
key_file=var/demo-api-key
if [ ! -s "$key_file" ]; then
  $BIN/python -c 'from api.auth import new_api_key; print(new_api_key())' > "$key_file"
  chmod 600 "$key_file"
fi
key=$(cat "$key_file")
SOCKHOUND_API_KEYS="demo:read+write:$key" $BIN/sockhound serve --detach
base=$($BIN/python -c 'from api.settings import get_api_settings; print(get_api_settings().api_base_url)')
top=$($BIN/python -c 'import json,sys; print(json.load(open(sys.argv[1]))["top_networks"][0]["networkId"])' \
  "$REPORT_DIR/summary.json")

step "done"
cat <<TEXT
report:        $REPORT_DIR/index.html
OpenAPI docs:  $base/docs
network page:  $base/ui/networks/$top#key=$key
ban tooling:   curl -H "Authorization: Bearer \$(cat $key_file)" $base/v1/networks
the demo API key is in $key_file; stop the API with \`$BIN/sockhound serve --stop\`, Neo4j with \`$BIN/sockhound db stop\`
TEXT
