#!/usr/bin/env python3
"""Summarizes repeated runs ("rounds") of the benchmark suite.

usage: Benchmarks/summarize-rounds.py round1.txt round2.txt ...

Each file is the text output of `swift package benchmark ... --no-progress`. For every
benchmark and metric it prints the median over the rounds of each round's median (p50),
the lowest and highest round median, and the worst and best single iteration seen in any
round. A column the tool printed in thousands or millions ("(K)", "(M)") is multiplied
back, so rounds that scaled differently compare; such a value has only the digits the tool
printed (e.g. "25 (K)" is 25,000 ± 500). Rates (*_kev_s) are shown in M events/s,
memory in MB.
"""
import re
import statistics
import sys

SEPARATORS = "╒╞├╘"


def parse(path):
    results = {}
    name = None
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and lines[i + 1].startswith("╒"):
            name = line.strip()
            results.setdefault(name, {})
            continue
        if name and line.startswith("│") and not line.startswith("│ Metric"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            metric = re.sub(r"\s*\*$", "", cells[0])
            try:
                values = [float(c) for c in cells[1:8]]
            except ValueError:
                continue
            # The tool scales a column to keep it short, and picks the scale per run: a
            # trailing (K)/(M)/(G) multiplies by 10^3/10^6/10^9. Undo it, so rounds compare.
            scale = re.search(r" \((K|M|G)\)$", metric)
            if scale:
                metric = metric[: scale.start()]
                values = [v * {"K": 1e3, "M": 1e6, "G": 1e9}[scale.group(1)] for v in values]
            results[name][metric] = {"p50": values[2], "lo": min(values), "hi": max(values)}
    return results


def display(metric):
    """The unit a metric is shown in: rates in M events/s, memory in MB, the rest as printed."""
    if metric.endswith("_kev_s"):
        return metric[: -len("_kev_s")] + " (M ev/s)", 1e-3
    if metric.startswith("Memory"):
        return metric + " (MB)", 1e-6
    return metric, 1.0


def fmt(x):
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def main(paths):
    rounds = [parse(p) for p in paths]
    names = []
    for r in rounds:
        for n in r:
            if n not in names:
                names.append(n)
    print("| benchmark | metric | median of round medians | round medians (low … high) | iterations (low … high) | rounds |")
    print("|---|---|---|---|---|---|")
    for n in names:
        metrics = []
        for r in rounds:
            for m in r.get(n, {}):
                if m not in metrics:
                    metrics.append(m)
        for m in metrics:
            seen = [r[n][m] for r in rounds if n in r and m in r[n]]
            label, k = display(m)
            medians = [s["p50"] * k for s in seen]
            print(
                f"| {n} | {label} | {fmt(statistics.median(medians))} | {fmt(min(medians))} … {fmt(max(medians))} "
                f"| {fmt(min(s['lo'] for s in seen) * k)} … {fmt(max(s['hi'] for s in seen) * k)} | {len(seen)} |"
            )


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
