#!/usr/bin/env python3
"""runstat.py OUT_PREFIX CMD [ARG...]

Run CMD (stdout and stderr to OUT_PREFIX.log), then print one line:
  wall_s=12.345 cpu_s=20.1 maxrss_mb=123.4 rc=0
maxrss is the peak resident set of the largest process in CMD's tree that
was waited for (getrusage RUSAGE_CHILDREN: Linux keeps the maximum over all
descendants), i.e. the biggest single worker, parse child or tesseract.
cpu_s is the user + system CPU time of the whole tree: on a busy machine it
moves far less than the wall-clock time.
Python 3 standard library only.
"""
import resource
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1] + ".log", "wb") as log:
        t0 = time.monotonic()
        rc = subprocess.call(argv[2:], stdout=log, stderr=subprocess.STDOUT)
        wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print("wall_s=%.3f cpu_s=%.3f maxrss_mb=%.1f rc=%d"
          % (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, rc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
