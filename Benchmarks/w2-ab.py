#!/usr/bin/env python3
"""Two sluice builds on W2 jobs, paired: which is faster, by more rounds than w2-duckdb.py.

    ./w2-ab.py --rounds 12 --jobs agent-metrics,pattern-effectiveness BEFORE AFTER

Each round runs `sluice batch` of each job once per binary, in alternating order (AFTER
first in odd rounds), on the W2 input and the pipelines `w2-duckdb.py` derives (it must
have generated the input once). Prints per job each binary's median wall and CPU seconds,
and the median over rounds of AFTER's time / BEFORE's (below 1: AFTER is faster). Pairing
within a round cancels most of this VM's drift, which a 3-round median does not.
"""
import argparse
import importlib.util
import statistics
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("w2", HERE / "w2-duckdb.py")
w2 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(w2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--jobs", default="agent-metrics,pattern-effectiveness,agent-state,workflow-runs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--outputs", type=Path, help="where the views are written (default: the system's temporary folder)")
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    if not w2.INPUT.exists():
        raise SystemExit(f"{w2.INPUT} is missing: run ./w2-duckdb.py once to generate it")
    with tempfile.TemporaryDirectory(dir=args.outputs) as scratch:
        folder = Path(scratch)
        print(f"W2, {args.rounds} paired rounds, {args.workers} workers; before {args.before}, after {args.after}\n")
        print("| job | before wall | after wall | before CPU | after CPU | after / before, wall | after / before, CPU |")
        print("|---|---|---|---|---|---|---|")
        for job in args.jobs.split(","):
            pipeline = w2.derive_pipeline(job, folder)
            runs = {"before": [], "after": []}
            for round in range(args.rounds):
                for side in ("before", "after") if round % 2 == 0 else ("after", "before"):
                    out = folder / side / "view.ndjson"
                    out.parent.mkdir(exist_ok=True)
                    for old in out.parent.glob("*.ndjson"):
                        old.unlink()
                    runs[side].append(w2.run_sluice(getattr(args, side), pipeline, out, args.workers))
            median = lambda side, key: statistics.median(r[key] for r in runs[side])
            ratio = lambda key: statistics.median(a[key] / b[key] for a, b in zip(runs["after"], runs["before"]))
            print(f"| {job} | {median('before', 'wall'):.2f} s | {median('after', 'wall'):.2f} s | "
                  f"{median('before', 'cpu'):.2f} s | {median('after', 'cpu'):.2f} s | "
                  f"**{ratio('wall'):.3f}** | {ratio('cpu'):.3f} |", flush=True)


if __name__ == "__main__":
    main()
