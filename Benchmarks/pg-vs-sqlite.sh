#!/usr/bin/env bash
# agent-metrics over the same 1,000,000 generated events with its views in PostgreSQL and in
# the embedded SQLite file, alternately (3 rounds by default): wall seconds, CPU seconds and
# peak RSS of `sluice batch` per store, and PostgreSQL's time as a share of SQLite's.
#
# Usage: Benchmarks/pg-vs-sqlite.sh POSTGRES_URL [ROUNDS]
#   POSTGRES_URL  e.g. postgres://postgres@127.0.0.1:55432/postgres (no password in it)
# Builds the release binary first (SLUICE_BIN=PATH runs that binary instead). Inputs and views
# go to Benchmarks/.data/pg-vs-sqlite/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
url=${1:?usage: $0 POSTGRES_URL [ROUNDS]}
rounds=${2:-3}
bin=${SLUICE_BIN:-}
if [[ -z $bin ]]; then
  swift build -c release --product sluice >/dev/null
  bin=$(swift build -c release --show-bin-path)/sluice
fi
data=Benchmarks/.data/pg-vs-sqlite
mkdir -p "$data"
events=$data/events-1m-seed42.ndjson
[[ -f $events ]] || "$bin" generate --count 1000000 --seed 42 --output "$events" >/dev/null

# One run: prints "wall cpu rss_mb".
measure() {
  local views=$1
  local out
  out=$( { /usr/bin/time -f "%e %U %S %M" env DAA_VIEWS="$views" DAA_LATE=memory:late DAA_DEAD_LETTER=memory:dead \
    "$bin" batch pipelines/agent-metrics.yaml --input "$events" >/dev/null; } 2>&1 | tail -n 1)
  awk '{ printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }' <<<"$out"
}

printf "%-6s %-10s %8s %8s %8s\n" round store wall_s cpu_s rss_mb
for round in $(seq 1 "$rounds"); do
  order=(sqlite postgres)
  ((round % 2 == 0)) && order=(postgres sqlite)
  for store in "${order[@]}"; do
    if [[ $store == sqlite ]]; then
      rm -f "$data/views.db"*
      result=$(measure "sqlite:$data/views.db")
    else
      result=$(measure "$url?schema=bench_${round}_$$")
      psql "$url" -q -c "DROP SCHEMA IF EXISTS bench_${round}_$$ CASCADE" >/dev/null 2>&1 || true
    fi
    read -r wall cpu rss <<<"$result"
    printf "%-6s %-10s %8s %8s %8s\n" "$round" "$store" "$wall" "$cpu" "$rss"
  done
done
