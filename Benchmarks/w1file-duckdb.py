#!/usr/bin/env python3
"""W1-file (shared/workloads.md) with Sluice and DuckDB, alternately, on one file.

    ./w1file-duckdb.py [--rounds 3] [--workers 1,2] [--threads 2] [--file PATH]

Sluice is `W1Run file PATH WORKERS engine` (the engine only: NDJSONFileSource → decoder →
W1 aggregation into a counting sink); DuckDB (2.0.0, installed from PyPI into
.data/duckdb-venv on first use, as w2-duckdb.py does) reads the same file with the four
columns typed and groups by (agent_id, metric, 10 s window) with count, sum, min, max, avg.
Each run is a child process: wall time, CPU seconds (user + system) and peak RSS come from
wait4(2). Runs alternate per round (Sluice first in odd rounds). Prints one Markdown table of
medians and checks once that both found 860,085 rows and sum(count) = 10,000,000.

Needs `swift build -c release --product W1Run` in this folder; the W1-file is generated
into .data/ on first use by `W1Run file`.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from duckdb_venv import ensure_duckdb

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
INPUT = DATA / "w1-k10000-n10000000.ndjson"

QUERY = """
SELECT count(*) AS rows, sum(c) AS events, sum(s) AS total, sum(lo) AS low, sum(hi) AS high, sum(a) AS mean
FROM (
  SELECT agent_id, metric, (ts // 10000) * 10000 AS window_start,
         count(*) AS c, sum(value) AS s, min(value) AS lo, max(value) AS hi, avg(value) AS a
  FROM read_ndjson('{input}', columns = {{'agent_id': 'VARCHAR', 'metric': 'VARCHAR', 'value': 'DOUBLE',
                                         'ts': 'BIGINT'}}, format = 'newline_delimited')
  GROUP BY ALL
)
"""

DUCKDB_CHILD = """
import sys, duckdb
con = duckdb.connect()
con.execute(f"SET threads = {int(sys.argv[2])}")
con.execute("SET enable_progress_bar = false")
print(con.execute(sys.argv[1]).fetchall()[0])
"""


def measured(argv: list[str]) -> tuple[float, float, float, str]:
    """Runs argv; returns wall s, CPU s, peak RSS MB and its standard output."""
    start = time.monotonic()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    if status != 0:
        sys.exit(f"{argv[0]} failed ({status}):\n{out}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--file", type=Path, default=INPUT)
    args = parser.parse_args()
    bin_path = subprocess.run(
        ["swift", "build", "-c", "release", "--show-bin-path"], cwd=HERE, check=True, capture_output=True, text=True
    ).stdout.strip()
    w1run = Path(bin_path) / "W1Run"
    if not args.file.exists():
        subprocess.run([str(w1run), "file", "1", "engine"], check=True)
    python = ensure_duckdb()
    duckdb_argv = [str(python), "-c", DUCKDB_CHILD, QUERY.format(input=args.file), str(args.threads)]
    workers = [int(w) for w in args.workers.split(",")]
    results: dict[str, list[tuple[float, float, float]]] = {}
    checked = False
    for round_ in range(args.rounds):
        runs = [(f"sluice {w} worker{'s' if w > 1 else ''}", [str(w1run), "file", str(args.file), str(w), "engine"])
                for w in workers]
        runs.append((f"duckdb {args.threads} threads", duckdb_argv))
        if round_ % 2 == 1:
            runs.reverse()
        for name, argv in runs:
            wall, cpu, rss, out = measured(argv)
            results.setdefault(name, []).append((wall, cpu, rss))
            print(f"round {round_ + 1}: {name}: {wall:.2f} s, {cpu:.1f} CPU-s, {rss:.0f} MB", file=sys.stderr)
            if not checked and name.startswith("duckdb") and args.file == INPUT:
                rows, events = (int(x) for x in re.findall(r"\d+", out.strip().splitlines()[-1])[:2])
                if (rows, events) != (860_085, 10_000_000):
                    sys.exit(f"DuckDB: {rows} rows, sum(count) {events}")
                checked = True
            if name.startswith("sluice") and "MISMATCH" in out:
                sys.exit(out)
    load = os.getloadavg()[0]
    duck = statistics.median(r[0] for r in results[f"duckdb {args.threads} threads"])
    print(f"W1-file, medians of {args.rounds} alternating rounds, 1-min load average at the end {load:.1f}\n")
    print("| run | wall | CPU | peak RSS | rate / DuckDB's |")
    print("|---|---|---|---|---|")
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rss = statistics.median(r[2] for r in runs)
        print(f"| {name} | {wall:.2f} s | {cpu:.1f} s | {rss:.0f} MB | {duck / wall:.2f}× |")


if __name__ == "__main__":
    main()
