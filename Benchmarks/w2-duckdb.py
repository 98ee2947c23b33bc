#!/usr/bin/env python3
"""W2 (the DAA pipelines as batch jobs) with Sluice and DuckDB, alternately, on one file.

    ./w2-duckdb.py [--rounds 3] [--jobs agent-metrics,agent-metrics-no-dedupe,agent-metrics-no-p95,...] [--sluice PATH] [--baseline PATH] [--workers N] [--threads N] [--outputs DIR]

Generates the W2 input on first use (`sluice generate --count 5000000 --seed 42`, checked
against the sha256 of ../docs or shared workloads.md) into .data/, installs DuckDB 2.0.0
from PyPI into .data/duckdb-venv on first use, derives each job's pipeline from the
shipped one (pipelines/NAME.yaml with a file sink in append mode in place of SQLite; see
README.md), and runs `sluice batch` and DuckDB's query one after the other, in
alternating order per round. Each run is a child process: wall time, CPU seconds
(user + system) and peak RSS come from wait4(2). Prints one Markdown table of medians, with
each ratio also taken within each round (median [min … max]), which a drifting machine moves less,
and checks once per job that both computed the same view (rows, sum of counts, sums).
With `--baseline PATH` (another sluice binary, e.g. the build before a change) it runs that
too, in the same rounds and rotation, and adds a before/after table: the only fair way to
compare two builds on a machine whose speed drifts.

Needs a release build: `swift build -c release --product sluice` in the parent folder.
"""

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from duckdb_venv import DUCKDB_VERSION, ensure_duckdb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"
INPUT = DATA / "w2-daa-5m-seed42.ndjson"
INPUT_SHA256 = "0e054d5a44ca4807f996dbc733bae6017d0130fc2cc01297c47905767fb80759"

# job → (shipped pipeline, drop its dedupe line, drop its percentile line)
JOBS = {
    "agent-metrics": ("agent-metrics", False, False),
    "agent-metrics-no-dedupe": ("agent-metrics", True, False),
    # The cost of p95 (issue #14): agent-metrics-no-dedupe beside the same without p95.
    "agent-metrics-no-p95": ("agent-metrics", True, True),
    "pattern-effectiveness": ("pattern-effectiveness", False, False),
    "agent-state": ("agent-state", False, False),
    "workflow-runs": ("workflow-runs", False, False),
}

# job → (the view's key columns, the column whose sum is checked as a count, the summed column)
VIEWS = {
    "agent-metrics": (["agent_id", "metric", "window_start"], "samples", "total"),
    "agent-metrics-no-dedupe": (["agent_id", "metric", "window_start"], "samples", "total"),
    "agent-metrics-no-p95": (["agent_id", "metric", "window_start"], "samples", "total"),
    "pattern-effectiveness": (["agent_id", "pattern", "window_start", "agents"], "applications", "successes"),
    "agent-state": (["agent_id"], "adaptations", "updated_at"),
    "workflow-runs": (["workflow_id"], "steps", "run_ms"),
}


def ensure_input(sluice: Path) -> None:
    if INPUT.exists():
        return
    DATA.mkdir(exist_ok=True)
    print(f"generating {INPUT.name} (745 MB) ...", file=sys.stderr)
    subprocess.run([str(sluice), "generate", "--count", "5000000", "--seed", "42", "--output", str(INPUT)], check=True)
    digest = hashlib.sha256()
    with open(INPUT, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != INPUT_SHA256:
        sys.exit(f"{INPUT}: sha256 {digest.hexdigest()}, expected {INPUT_SHA256} (workloads.md)")


def derive_pipeline(job: str, folder: Path) -> Path:
    """The shipped pipeline with its view sinks writing an NDJSON file in append mode.

    `view`, `key` and `flush_every` only mean something to an upserting view; a file sink
    appends, and without them the windows emit final rows only (with them, a batch run
    would also write each open window's partial rows every flush_every of *processing*
    time, an output that depends on the machine's speed).
    """
    name, drop_dedupe, drop_percentile = JOBS[job]
    lines = []
    for line in (ROOT / "pipelines" / f"{name}.yaml").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith(("view:", "key:", "flush_every:")):
            continue
        if drop_dedupe and (stripped.startswith("dedupe:") or "dedupe:" in stripped and stripped.startswith("unique:")):
            continue
        if drop_percentile and "percentile(" in stripped:
            continue
        lines.append(line)
        if "${DAA_VIEWS" in line and stripped.startswith("uri:"):
            lines.append(line[: len(line) - len(line.lstrip())] + "mode: append")
    path = folder / f"{job}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def measured(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Runs argv to its end; wall seconds, CPU seconds and peak RSS (MB) of that child.

    Linux counts a child's peak RSS from its parent's resident size at the fork, so this
    script keeps nothing big in memory (about 10 MB: the floor of every RSS figure).
    """
    start = time.monotonic()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    output = child.stdout.read().decode(errors="replace")
    child.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{output}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024, "output": output}


def run_sluice(sluice: Path, pipeline: Path, out: Path, workers: int | None) -> dict[str, float]:
    env = dict(os.environ)
    env.update(DAA_VIEWS=f"file:{out}?max_bytes=0", DAA_LATE=f"file:{out.parent / 'late.ndjson'}?max_bytes=0",
               DAA_DEAD_LETTER=f"file:{out.parent / 'dead-letter.ndjson'}?max_bytes=0",
               DAA_WORKFLOW_ALERTS=f"file:{out.parent / 'alerts.ndjson'}?max_bytes=0")
    argv = [str(sluice), "batch", str(pipeline), "--input", str(INPUT)]
    return measured(argv + (["--workers", str(workers)] if workers is not None else []), env)


def run_duckdb(python: Path, job: str, out: Path, threads: int) -> dict[str, float]:
    return measured([str(python), str(HERE / "w2" / "duckdb_job.py"), job, str(INPUT), str(out), str(threads)],
                    dict(os.environ))


SLUICE_VIEW = """
import json, sys
count, total, keys = sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
last = {}
with open(sys.argv[1]) as f:
    for line in f:
        row = json.loads(line)
        last[tuple(row.get(k) if k != "agents" else "agents" in row for k in keys)] = row
print(json.dumps([len(last), sum(r.get(count) or 0 for r in last.values()), sum(r.get(total) or 0 for r in last.values())]))
"""


def sluice_view(path: Path, count: str, total: str, keys: list[str]) -> list:
    """Rows, sum(count), sum(total) of the view Sluice's appended rows stand for.

    A window that late events update (within the allowed lateness) is written again, so
    the appended file holds some keys more than once; a view keeps the last row per key.
    Computed in a child process: a child's peak RSS as wait4 reports it starts from its
    parent's at the fork, so this script must stay small.
    """
    done = subprocess.run([sys.executable, "-c", SLUICE_VIEW, str(path), count, total, json.dumps(keys)], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def check(python: Path, job: str, sluice_out: Path, duck_out: Path, sluice_log: str) -> str:
    """Both engines' views side by side: rows, sum of the count column, sum of the sum column."""
    keys, count, total = VIEWS[job]
    script = f"""
import duckdb, json
d = duckdb.connect().execute("SELECT count(*), sum({count}), sum({total}) FROM '{duck_out}'").fetchone()
print(json.dumps(list(d)))
"""
    d = json.loads(subprocess.run([str(python), "-c", script], check=True, capture_output=True, text=True).stdout)
    s = sluice_view(sluice_out, count, total, keys)
    late = next((part.split()[0] for line in sluice_log.splitlines() if "completed:" in line
                 for part in line.split(",") if part.strip().endswith(" late")), "?")
    return (f"{job}: Sluice's view {s[0]:,} rows, sum({count}) {s[1]:,}, sum({total}) {s[2]:.10g}; "
            f"DuckDB {d[0]:,} rows, sum({count}) {d[1]:,}, sum({total}) {d[2]:.10g}; "
            f"Sluice counted {late.strip()} events later than the allowed lateness (DuckDB has no event-time lateness)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", default="agent-metrics,agent-metrics-no-dedupe")
    parser.add_argument("--sluice", type=Path, default=ROOT / ".build" / "release" / "sluice")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB's threads")
    parser.add_argument("--workers", type=int,
                        help="Sluice's workers (default: none given, so each build uses its own default: half the "
                             "cores since session 23, one per core before; give it when --baseline is an older build)")
    parser.add_argument("--input", type=Path, help="another DAA NDJSON file (a quick try of the script)")
    parser.add_argument("--baseline", type=Path, help="another sluice binary to run in the same rounds (before/after)")
    parser.add_argument("--outputs", type=Path,
                        help="where the engines write their views (default: the system's temporary folder); "
                             "on this VM a new file on ext4 fills at 140-200 MB/s, on tmpfs (/dev/shm) at 2 GB/s")
    args = parser.parse_args()
    global INPUT
    if args.input:
        INPUT = args.input.resolve()
    if not args.sluice.exists():
        sys.exit(f"{args.sluice}: not found; build it with `swift build -c release --product sluice`")
    jobs = args.jobs.split(",")
    ensure_input(args.sluice)
    python = ensure_duckdb()
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    checks = []
    with tempfile.TemporaryDirectory(prefix="w2-", dir=args.outputs) as tmp:
        folder = Path(tmp)
        pipelines = {job: derive_pipeline(job, folder) for job in jobs}
        load = [os.getloadavg()[0]]
        for round_number in range(args.rounds):
            engines = ["sluice", "duckdb"] + (["baseline"] if args.baseline else [])
            engines = engines[round_number % len(engines):] + engines[:round_number % len(engines)]
            for job in jobs:
                for engine in engines:
                    out_dir = folder / f"{engine}-{job}"
                    out_dir.mkdir(exist_ok=True)
                    for old in out_dir.iterdir():
                        old.unlink()
                    if engine in ("sluice", "baseline"):
                        binary = args.sluice if engine == "sluice" else args.baseline
                        result = run_sluice(binary, pipelines[job], out_dir / "view.ndjson", args.workers)
                    else:
                        result = run_duckdb(python, job, out_dir / "view.parquet", args.threads)
                    results.setdefault((job, engine), []).append(result)
                    print(f"round {round_number + 1} {job} {engine}: {result['wall']:.2f} s, {result['cpu']:.1f} CPU-s, "
                          f"{result['rss']:.0f} MB", file=sys.stderr)
                if round_number == 0:
                    checks.append(check(python, job, folder / f"sluice-{job}" / "view.ndjson",
                                        folder / f"duckdb-{job}" / "view.parquet",
                                        results[(job, "sluice")][-1]["output"]))
            load.append(os.getloadavg()[0])
    med = lambda job, engine, key: statistics.median(r[key] for r in results[(job, engine)])

    def per_round(pairs, digits: int = 2) -> str:
        """Median [min … max] of one ratio taken within each round: the two runs it divides ran
        minutes apart at most, so a machine whose speed drifts moves both."""
        values = sorted(pairs)
        return f"{statistics.median(values):.{digits}f} [{values[0]:.{digits}f} … {values[-1]:.{digits}f}]"

    def rounds(job: str, engine: str, key: str) -> list[float]:
        return [r[key] for r in results[(job, engine)]]
    workers = f"{args.workers} workers" if args.workers is not None else "its default workers"
    print(f"W2 ({INPUT.name}), {args.rounds} alternating rounds, medians; Sluice {workers}, "
          f"DuckDB {DUCKDB_VERSION} {args.threads} threads; views written under {args.outputs or tempfile.gettempdir()}; "
          f"1-min load average {min(load):.1f}–{max(load):.1f}\n")
    print("| job | Sluice wall | Sluice CPU | Sluice peak RSS | DuckDB wall | DuckDB CPU | DuckDB peak RSS | Sluice rate / DuckDB rate | the same per round |")
    print("|---|---|---|---|---|---|---|---|---|")
    for job in jobs:
        s = {k: med(job, "sluice", k) for k in ("wall", "cpu", "rss")}
        d = {k: med(job, "duckdb", k) for k in ("wall", "cpu", "rss")}
        paired = per_round(dw / sw for sw, dw in zip(rounds(job, "sluice", "wall"), rounds(job, "duckdb", "wall")))
        print(f"| {job} | {s['wall']:.2f} s | {s['cpu']:.1f} s | {s['rss']:.0f} MB | {d['wall']:.2f} s | {d['cpu']:.1f} s | "
              f"{d['rss']:.0f} MB | **{d['wall'] / s['wall']:.2f}×** | {paired} |")
    if args.baseline:
        print(f"\nThe same rounds, `--baseline {args.baseline}` (before) beside `--sluice {args.sluice}` (after):\n")
        print("| job | before wall | after wall | before CPU | after CPU | before peak RSS | after peak RSS | after rate / before rate |")
        print("|---|---|---|---|---|---|---|---|")
        for job in jobs:
            b = {k: med(job, "baseline", k) for k in ("wall", "cpu", "rss")}
            a = {k: med(job, "sluice", k) for k in ("wall", "cpu", "rss")}
            print(f"| {job} | {b['wall']:.2f} s | {a['wall']:.2f} s | {b['cpu']:.1f} s | {a['cpu']:.1f} s | {b['rss']:.0f} MB | "
                  f"{a['rss']:.0f} MB | **{b['wall'] / a['wall']:.2f}×** |")
    engines = ["sluice", "baseline", "duckdb"] if args.baseline else ["sluice", "duckdb"]

    def compare(with_job: str, without_job: str, describe) -> None:
        """One line per engine from the median wall and CPU seconds of a job with and without a step."""
        if with_job not in jobs or without_job not in jobs:
            return
        print()
        for engine in engines:
            wall = (med(with_job, engine, "wall"), med(without_job, engine, "wall"))
            cpu = (med(with_job, engine, "cpu"), med(without_job, engine, "cpu"))
            walls = list(zip(rounds(with_job, engine, "wall"), rounds(without_job, engine, "wall")))
            print(f"- {engine}: {describe(wall, cpu, walls)}")

    compare("agent-metrics", "agent-metrics-no-dedupe",
            lambda wall, cpu, walls: f"agent-metrics with de-duplication at {wall[1] / wall[0]:.0%} of the rate without it "
                                     f"by wall, {cpu[1] / cpu[0]:.0%} by CPU seconds; per round (wall) "
                                     f"{per_round((100 * b / a for a, b in walls), digits=0)} %")
    compare("agent-metrics-no-dedupe", "agent-metrics-no-p95",
            lambda wall, cpu, walls: f"p95 adds {wall[0] / wall[1] - 1:+.0%} to agent-metrics-no-dedupe's wall time, "
                                     f"{cpu[0] / cpu[1] - 1:+.0%} to its CPU seconds; per round (wall) "
                                     f"{per_round((100 * (a / b - 1) for a, b in walls), digits=0)} %")
    print()
    for line in checks:
        print(f"- {line}")


if __name__ == "__main__":
    main()
