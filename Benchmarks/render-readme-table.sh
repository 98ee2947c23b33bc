#!/bin/sh
# Copies the summary table of the latest recorded run from Benchmarks/README.md into the
# Performance section of the top-level README.md: the lines between the markers
#   <!-- readme-table:begin -->  and  <!-- readme-table:end -->
# in Benchmarks/README.md replace the lines between the same markers in README.md.
#   Benchmarks/render-readme-table.sh           rewrite README.md
#   Benchmarks/render-readme-table.sh --check   exit 1 if README.md is not up to date
set -eu
here=$(cd "$(dirname "$0")" && pwd)
source_md="$here/README.md"
target_md="$here/../README.md"
begin='<!-- readme-table:begin -->'
end='<!-- readme-table:end -->'

for f in "$source_md" "$target_md"; do
    if [ "$(grep -cxF "$begin" "$f")" != 1 ] || [ "$(grep -cxF "$end" "$f")" != 1 ]; then
        echo "$f: needs exactly one '$begin' line and one '$end' line" >&2
        exit 2
    fi
done

block=$(mktemp)
rendered=$(mktemp)
trap 'rm -f "$block" "$rendered"' EXIT
awk -v b="$begin" -v e="$end" '$0 == e { inside = 0 } inside { print } $0 == b { inside = 1 }' "$source_md" > "$block"
awk -v b="$begin" -v e="$end" -v blockfile="$block" '
    $0 == b { print; while ((getline line < blockfile) > 0) print line; skipping = 1; next }
    $0 == e { skipping = 0 }
    !skipping { print }
' "$target_md" > "$rendered"

if [ "${1:-}" = "--check" ]; then
    if cmp -s "$rendered" "$target_md"; then exit 0; fi
    echo "README.md's Performance table differs from Benchmarks/README.md; run Benchmarks/render-readme-table.sh" >&2
    diff "$target_md" "$rendered" >&2 || true
    exit 1
fi
cat "$rendered" > "$target_md"
