"""RESULTS.md: the machine, the targets, and a table per case."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from importlib import metadata

from benchmarks.plan import CASES, MB, MIB, TARGETS, Case, Results, Runs, Sizes

PACKAGES = ("mistral-batch", "httpx", "mistralai", "orjson", "uvicorn", "starlette", "h11")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[str]:
    """The machine's description, as Markdown list items."""
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"- CPU: {_cpu_model()}, {os.cpu_count()} cores",
        f"- RAM: {_memory()}",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_implementation()} {sys.version.split()[0]}",
        f"- Packages: {versions}",
        f"- Load average (1, 5, 15 min) as the run ended: {load}",
    ]


def _number(value: float, digits: int = 0) -> str:
    if digits == 0 and abs(value) < 10:
        digits = 2
    return f"{value:,.{digits}f}"


def _size(sizes: Sizes, case: str) -> str:
    return {
        "download": f"{sizes.download_bytes / MIB:,.2f} MiB ({sizes.download_bytes:,} bytes)",
        "upload": f"{sizes.upload_bytes / MB:,.2f} MB ({sizes.upload_bytes:,} bytes)",
        "decode": f"{sizes.decode_lines:,} lines",
        "calls": f"{sizes.calls:,} calls",
        "cold": "one process",
        "e2e": f"{sizes.e2e_requests:,} requests",
        "emulator": (
            f"a job of {sizes.emulator_requests:,} requests; the "
            f"{sizes.download_bytes / MIB:,.2f} MiB file; {sizes.calls:,} GET calls"
        ),
        "fanout": (
            f"{sizes.fanout_calls:,} concurrent calls (raw httpx: {sizes.fanout_raw_calls:,})"
        ),
        "scale": (
            f"N = {sizes.scale_requests:,} requests, parts of at most "
            f"{sizes.scale_part_bytes:,} bytes and {sizes.scale_pending:,} requests pending"
        ),
        "tables": f"{sizes.table_rows:,} rows",
    }[case]


def _table(case: Case, runs: dict[str, Runs]) -> list[str]:
    reference = runs.get(case.reference)
    ref_label = next((v.key for v in case.variants if v.key == case.reference), "")
    head = ["variant", "median", *([f"vs {ref_label}"] if reference else [])]
    cpu_head = {"calls": "client CPU per call", "scale": "client CPU per 1M requests"}
    head += [cpu_head.get(case.key, "client CPU"), "peak memory growth", "peak RSS"]
    counts_errors = case.key in ("fanout", "scale")
    head += ["errors (per run)", "runs"] if counts_errors else ["runs"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for variant in case.variants:
        entry = runs.get(variant.key)
        if entry is None or not entry.figures:
            continue
        metric = case.metric_of(variant.key)
        row = [variant.label, f"{_number(entry.median, metric.digits)} {metric.unit}"]
        if reference:
            row.append(f"{entry.median / reference.median:.2f}x")
        if case.key == "calls":
            row.append(f"{entry.cpu_per_unit * 1e6:,.0f} µs")
        elif case.key == "scale":
            row.append(f"{entry.cpu_per_unit * 1e6:,.1f} s")
        else:
            row.append(f"{entry.cpu:,.2f} s")
        row += [f"{entry.growth:,.1f} MiB", f"{entry.peak:,.1f} MiB"]
        if counts_errors:
            row.append(", ".join(f"{e:,}" for e in entry.errors))
        row.append(", ".join(_number(f, metric.digits) for f in entry.figures))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _verdicts(results: Results, case: str | None = None) -> list[tuple[str, str, str, str]]:
    out = []
    for target in TARGETS:
        if case is not None and target.case != case:
            continue
        verdict = target.judge(results)
        if verdict is None:
            continue
        measured, met = verdict
        out.append((target.case, target.text, measured, "met" if met else "**missed**"))
    return out


def render(
    results: Results,
    profiles: dict[str, str],
    *,
    sizes: Sizes,
    repeat: int,
    cold_rounds: int,
    quick: bool,
    elapsed: float,
) -> str:
    """The whole RESULTS.md."""
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Benchmarks",
        "",
        "Generated by `scripts/bench`"
        + (" --quick (tiny sizes: the figures mean nothing)" if quick else "")
        + f" on {today}, in {elapsed:.0f} s. Do not edit by hand: run it again.",
        "",
        "Each run is a process of its own; the emulator runs in another process. A figure is",
        f"the median of {repeat} runs ({cold_rounds} for the cold start), the runs of the",
        "variants interleaved. Memory: `ru_maxrss` at the end of the run, minus its value",
        "after imports and setup (peak memory growth), and as it is (peak RSS). Client CPU:",
        "the CPU time of the measuring process during the work (`time.process_time`).",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## Targets",
        "",
        "| case | target | measured | verdict |",
        "|---|---|---|---|",
    ]
    out += [f"| {c} | {t} | {m} | {v} |" for c, t, m, v in _verdicts(results)]
    for number, case in enumerate(CASES, 1):
        runs = results.get(case.key)
        if not runs:
            continue
        out += ["", f"## {number}. {case.title}: {_size(sizes, case.key)}", ""]
        out += _table(case, runs)
        if case.note:
            out += ["", case.note]
        verdicts = _verdicts(results, case.key)
        if verdicts:
            out.append("")
            out += [f"- {t}: {m}, {v}" for _, t, m, v in verdicts]
        if case.key in profiles:
            kind = "-X importtime" if case.key == "cold" else "cProfile, by own time"
            out += ["", f"Profile of our side ({kind}):", "", "```", profiles[case.key], "```"]
    return "\n".join(out) + "\n"
