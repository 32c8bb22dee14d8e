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
# The demo's own random hash key, made once and kept 0600 under var/ (never a published default). A key given
# in SOCKHOUND_HASH_KEY or SOCKHOUND_HASH_KEY_FILE is used instead.
if [ -z "${SOCKHOUND_HASH_KEY:-}" ] && [ -z "${SOCKHOUND_HASH_KEY_FILE:-}" ]; then
  hash_key_file=var/demo-hash-key
  $BIN/python -c 'import sys; from pathlib import Path; from sockhound.hash_key import ensure_key_file
ensure_key_file(Path(sys.argv[1]))' "$hash_key_file"
  export SOCKHOUND_HASH_KEY_FILE=$hash_key_file
fi
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
# Two keys: one for ban tooling (read+write+ips, in var/demo-api-key) and a read-only one that the network page's
# link carries (var/demo-page-key), so a link that leaks from the browser history cannot write or hash IPs.
mint_key() {
  if [ ! -s "$1" ]; then
    (umask 077 && $BIN/python -c 'from api.auth import new_api_key; print(new_api_key())' > "$1")
  fi
  chmod 600 "$1"
}
key_file=var/demo-api-key
page_key_file=var/demo-page-key
mint_key "$key_file"
mint_key "$page_key_file"
key=$(cat "$key_file")
page_key=$(cat "$page_key_file")
SOCKHOUND_API_DOCS=${SOCKHOUND_API_DOCS:-true} SOCKHOUND_API_KEYS="demo:read+write+ips:$key,page:read:$page_key" \
  $BIN/sockhound serve --detach
base=$($BIN/python -c 'from api.settings import get_api_settings; print(get_api_settings().api_base_url)')
top=$($BIN/python -c 'import json,sys; print(json.load(open(sys.argv[1]))["top_networks"][0]["networkId"])' \
  "$REPORT_DIR/summary.json")

step "done"
cat <<TEXT
report:        $REPORT_DIR/index.html
OpenAPI docs:  $base/docs
network page:  $base/ui/networks/$top#key=$page_key
ban tooling:   curl -H "Authorization: Bearer \$(cat $key_file)" $base/v1/networks
the demo API key is in $key_file (the page's read-only key in $page_key_file, the hash key in
${SOCKHOUND_HASH_KEY_FILE:-SOCKHOUND_HASH_KEY}); stop the API with \`$BIN/sockhound serve --stop\`, Neo4j with \`$BIN/sockhound db stop\`
TEXT
