#!/usr/bin/env python3
"""What `percentile(value, 0.95)` adds to agent-metrics without de-duplication (issue #14).

    ./p95-cost.py [--rounds 12] [--baseline PATH] [--sluice PATH]

Runs `sluice batch` on the W2 input (see w2-duckdb.py, which generates it) with the
pipelines w2-duckdb.py derives for `agent-metrics-no-dedupe` and `agent-metrics-no-p95`,
2 workers. Each round runs every (binary, pipeline) pair once, in an order rotated per
round, and the figure is the median over rounds of the per-round ratio with / without p95:
pairing runs of the same round cancels most of this VM's drift, which is larger than the
effect (single rounds range over tens of percent). With --baseline, the same for another
binary in the same rounds.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
w2 = __import__("w2-duckdb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--sluice", type=Path, default=w2.ROOT / ".build" / "release" / "sluice")
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    binaries = {"sluice": args.sluice} | ({"baseline": args.baseline} if args.baseline else {})
    w2.ensure_input(args.sluice)
    jobs = ["agent-metrics-no-dedupe", "agent-metrics-no-p95"]
    with tempfile.TemporaryDirectory(prefix="p95-") as tmp:
        folder = Path(tmp)
        pipelines = {job: w2.derive_pipeline(job, folder) for job in jobs}
        runs = [(name, job) for name in binaries for job in jobs]
        results: dict[tuple[str, str], list[dict[str, float]]] = {run: [] for run in runs}
        for round_number in range(args.rounds):
            shift = round_number % len(runs)
            for name, job in runs[shift:] + runs[:shift]:
                out = folder / f"{name}-{job}"
                out.mkdir(exist_ok=True)
                for old in out.iterdir():
                    old.unlink()
                results[(name, job)].append(w2.run_sluice(binaries[name], pipelines[job], out / "view.ndjson", 2))
    print(f"p95 in agent-metrics without de-duplication, {args.rounds} rotating rounds, 2 workers, {w2.INPUT.name}\n")
    print("| binary | with p95 (median wall) | without (median wall) | p95 adds, wall (median of rounds [range]) | p95 adds, CPU |")
    print("|---|---|---|---|---|")
    for name in binaries:
        with_, without = results[(name, jobs[0])], results[(name, jobs[1])]
        wall = [a["wall"] / b["wall"] - 1 for a, b in zip(with_, without)]
        cpu = [a["cpu"] / b["cpu"] - 1 for a, b in zip(with_, without)]
        print(f"| {name} ({binaries[name]}) | {statistics.median(r['wall'] for r in with_):.2f} s | "
              f"{statistics.median(r['wall'] for r in without):.2f} s | **{statistics.median(wall):+.1%}** "
              f"[{min(wall):+.0%} … {max(wall):+.0%}] | {statistics.median(cpu):+.1%} |")


if __name__ == "__main__":
    main()
