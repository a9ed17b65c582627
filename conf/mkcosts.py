#!/usr/bin/env python3
# The grader's cost table (conf/gradecosts.json): each test's seconds and CPU seconds, the median
# of the runs in the --json results files given, and its share of a core, the largest of its
# runs' CPU seconds over seconds (a run on a loaded host shows less than the test takes on a
# quiet one); the grader orders its jobs by the seconds and packs them by the share
# (conf/gradelib.py, _run_jobs).  Usage: python3 conf/mkcosts.py RESULTS.json... > FILE
"""Write the costs of each test that passed in the results files."""

import json
import statistics
import sys


def costs(paths):
    runs = {}
    for path in paths:
        with open(path) as f:
            results = json.load(f)
        for t in results["tests"]:
            # A shared boot's CPU is its first test's; the others' is null (0 here).
            for r in t.get("run_results", []):
                if r.get("status") == "passed":
                    runs.setdefault(t["name"], []).append((r["seconds"], r.get("cpu") or 0))
    return {name: {"seconds": round(statistics.median(s for s, _ in rs), 2),
                   "cpu": round(statistics.median(c for _, c in rs), 2),
                   "share": round(max(c / max(s, 0.1) for s, c in rs), 2)}
            for name, rs in sorted(runs.items())}


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.exit("usage: python3 conf/mkcosts.py RESULTS.json... > conf/gradecosts.json")
    about = ("each test's median seconds and CPU seconds, and its largest CPU over seconds (its "
             "share of a core), over %d run%s of ./grade-lab6 --json (conf/mkcosts.py)"
             % (len(argv), "s" * (len(argv) > 1)))
    # One test a line, so that a new table's diff reads test by test.
    lines = ["  %s: %s" % (json.dumps(name), json.dumps(c, sort_keys=True))
             for name, c in costs(argv).items()]
    sys.stdout.write('{"about": %s,\n "tests": {\n%s\n}}\n' % (json.dumps(about),
                                                              ",\n".join(lines)))


if __name__ == "__main__":
    main(sys.argv[1:])
