#!/usr/bin/env python3
"""The W2 input with every event id replaced by a UUID, as production DAA ids are.

    ./w2/uuid_ids.py .data/w2-daa-5m-seed42.ndjson .data/w2-daa-5m-seed42-uuid.ndjson
    ./w2-duckdb.py --input .data/w2-daa-5m-seed42-uuid.ndjson --jobs agent-metrics

The generator's ids (`g42-0-17`) are at most 13 bytes: Swift keeps them inside the String
value, while a 36-byte UUID is a heap allocation per event. The UUID is derived from the old
id (MD5), so a duplicate keeps its duplicate's id and every view stays the same. Fails when a
line does not start with its id (the generator writes `id` first).
"""
import hashlib
import re
import sys
import uuid

ID = re.compile(rb'^\{"id":"([^"]*)"')


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    lines = replaced = 0
    with open(sys.argv[1], "rb") as source, open(sys.argv[2], "wb") as out:
        for line in source:
            lines += 1
            found = ID.match(line)
            if found:
                replaced += 1
                new = str(uuid.UUID(bytes=hashlib.md5(found.group(1)).digest())).encode()
                line = b'{"id":"' + new + line[found.end(1):]
            out.write(line)
    if replaced != lines:
        # The generator writes `id` first; a line that does not start with it kept its id.
        sys.exit(f"{sys.argv[2]}: replaced the id of {replaced:,} of {lines:,} lines (expected every line to start with \"id\")")


if __name__ == "__main__":
    main()
