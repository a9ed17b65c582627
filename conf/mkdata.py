#!/usr/bin/env python3
# Writes deterministic test data for the file system image (the httpd demo's large file): SIZE
# bytes of SHA-256 in counter mode over SEED, so the same arguments always give the same bytes
# and the data does not compress (nothing in the path can shortcut it).
"""Usage: mkdata.py SIZE SEED OUTFILE"""

import hashlib
import os
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    size, seed, out = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
    data = bytearray()
    counter = 0
    while len(data) < size:
        data += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        counter += 1
    with open(out + ".tmp", "wb") as f:
        f.write(data[:size])
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
