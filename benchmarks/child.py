"""One measured run in a process of its own: ``python -m benchmarks.child VARIANT PARAMS``.

Prints one JSON line: the units of work done, the seconds they took (wall and CPU of
this process), and the peak memory of the process before and after the work
(``ru_maxrss``). With ``--profile`` the
work runs under cProfile and the report carries the busiest functions.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import resource
import sys
import time
from typing import Any

from benchmarks.cases import VARIANTS

PROFILE_LINES = 22


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(variant: str, params: dict[str, Any], *, profile: bool = False) -> dict[str, Any]:
    """Prepare the variant, then time its work and the memory it adds."""
    work = VARIANTS[variant](params)
    gc.collect()
    baseline = _maxrss_kib()
    profiler = cProfile.Profile() if profile else None
    cpu = time.process_time()
    started = time.perf_counter()
    try:
        units = profiler.runcall(work.run) if profiler is not None else work.run()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        peak = _maxrss_kib()
    finally:
        work.close()
    report: dict[str, Any] = {
        "variant": variant,
        "units": units,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "baseline_kib": baseline,
        "peak_kib": peak,
        **work.extra,
    }
    if profiler is not None:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(PROFILE_LINES)
        report["profile"] = _trim(text.getvalue())
    return report


def _trim(text: str) -> str:
    """The table of pstats output, without its preamble, paths shortened to packages."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    kept = [line.rstrip() for line in lines[start:] if line.strip()]
    for marker in ("site-packages/", "/overlay/", "/lib/python3"):
        kept = [_shorten(line, marker) for line in kept]
    return "\n".join(kept)


def _shorten(line: str, marker: str) -> str:
    at = line.find(marker)
    if at < 0:
        return line
    head = line[:at]
    cut = head.rfind(" ")
    return head[: cut + 1] + line[at + len(marker) :]


def main() -> None:
    """Run one variant and print its report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.child")
    parser.add_argument("variant", choices=sorted(VARIANTS))
    parser.add_argument("params", help="the parameters, as a JSON object")
    parser.add_argument("--profile", action="store_true", help="run the work under cProfile")
    args = parser.parse_args()
    report = measure(args.variant, json.loads(args.params), profile=args.profile)
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
