"""Time the triage engine: loading, then each text on one core; and its resident memory.

    .venv/bin/python benchmarks/triage.py                 # the challenge set + held-out split, 3 rounds
    .venv/bin/python benchmarks/triage.py --rounds 5 --long

Runs in a fresh process pinned to one core (os.sched_setaffinity) with the BLAS
pools at one thread, so the numbers are what one web worker sees. "Loading" is
from the first import of the engine to the end of the first suggestion (Django
set-up, SudachiPy's dictionary, the model file). Per-text times are wall clock
per `triage()` call after loading; RSS is the process's peak resident set.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--long", action="store_true", help="also time 20,000-character texts")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    started = time.perf_counter()
    import django

    django.setup()
    from tsunagiai.triage.corpus import corpus_files, load_gold, split
    from tsunagiai.triage.engine import triage

    triage("母の介護のことで相談です。")
    loading = time.perf_counter() - started
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    data = ROOT / "data" / "triage"
    texts = [g.text for g in load_gold([data / "challenge.jsonl"])]
    texts += [g.text for g in split(load_gold(corpus_files(data / "corpus")))[1]]
    timings: list[float] = []
    for _ in range(args.rounds):
        for text in texts:
            t0 = time.perf_counter()
            triage(text)
            timings.append((time.perf_counter() - t0) * 1000)
    lengths = [len(t) for t in texts]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(
        f"texts: {len(texts)} (length median {statistics.median(lengths):.0f}, max {max(lengths)} characters)"
        f" × {args.rounds} rounds"
    )
    print(f"loading (import → first suggestion): {loading:.2f} s")
    print(
        f"per text: median {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
        f"max {max(timings):.1f} ms"
    )
    if args.long:
        long_text = ("母の介護のことで相談です。長男は仕事をしておらず、家にこもっている。" * 700)[:20000]
        long_timings = []
        for _ in range(5):
            t0 = time.perf_counter()
            triage(long_text)
            long_timings.append((time.perf_counter() - t0) * 1000)
        print(f"20,000 characters: median {statistics.median(long_timings):.0f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"resident memory: {rss_loaded:.0f} MB after loading, {rss:.0f} MB peak")


if __name__ == "__main__":
    main()
