"""Runs the benchmarks: starts the emulator, prepares each case, runs every variant in a
process of its own (interleaved, repeated), and writes the medians to RESULTS.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import child, cold, fixtures, report
from benchmarks.plan import CASE_KEYS, CASES, FULL, QUICK, TARGETS, Case, Results, Runs, Sizes

RESULTS_MD = fixtures.ROOT / "benchmarks" / "RESULTS.md"
#: Room the full run needs on disk: the 1 GiB file twice (ours, the emulator's copy),
#: one downloaded copy, the 512 MB input twice, and the end-to-end files.
DISK_NEEDED = 4 * 1024**3
#: And per request of the biggest run of any size: its input, result files and ledger
#: (in the run's temporary folder), and the emulator's copies (beside the checkout).
SCALE_DISK_PER_REQUEST = 1500


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Bench:
    """One benchmark session: a scratch folder, an emulator, and the cases' fixtures."""

    def __init__(
        self,
        scratch: Path,
        emulator: fixtures.EmulatorClient,
        sizes: Sizes,
        *,
        in_process: bool = False,
    ) -> None:
        self.scratch = scratch
        self.emulator = emulator
        self.sizes = sizes
        #: Measure in this process instead of a new one each run (for the smoke test).
        self.in_process = in_process
        self._cache: dict[str, Any] = {}

    def _common(self) -> dict[str, Any]:
        return {"url": self.emulator.url, "api_key": self.emulator.api_key}

    def _once(self, key: str, make: Any) -> Any:
        if key not in self._cache:
            started = time.perf_counter()
            self._cache[key] = make()
            _log(f"  prepared {key} in {time.perf_counter() - started:.1f}s")
        return self._cache[key]

    def big_file_id(self) -> str:
        """The id of a download_bytes file on the emulator, uploaded with raw httpx."""

        def make() -> str:
            path = fixtures.write_bytes(self.scratch / "big.bin", self.sizes.download_bytes)
            self.emulator.allow_uploads_up_to(self.sizes.download_bytes + 1024 * 1024)
            try:
                return self.emulator.upload(path)
            finally:
                path.unlink()

        return str(self._once("download file", make))

    def job_id(self) -> str:
        """A small finished job, for the get calls."""

        def make() -> str:
            path = fixtures.write_requests(self.scratch / "small.jsonl", count=10)
            return self.emulator.finished_job(path)

        return str(self._once("job", make))

    def params(self, case: Case, variant: str) -> dict[str, Any]:
        """What the child needs for this case and variant."""
        p = self._common()
        s = self.sizes
        if case.key == "download":
            p |= {"file_id": self.big_file_id(), "out": str(self.scratch / f"dl-{variant}.bin")}
        elif case.key == "upload":
            path = self._once(
                "upload file",
                lambda: fixtures.write_requests(self.scratch / "upload.jsonl", size=s.upload_bytes),
            )
            p |= {"path": str(path)}
        elif case.key == "decode":
            path = self._once(
                "result file",
                lambda: fixtures.write_results(self.scratch / "results.jsonl", s.decode_lines),
            )
            p |= {"path": str(path)}
        elif case.key == "calls":
            p |= {"job_id": self.job_id(), "n": s.calls, "warmup": s.warmup_calls}
        elif case.key == "e2e":
            p |= {"n": s.e2e_requests, "out": str(self.scratch / f"e2e-{variant}.jsonl")}
            p |= {"poll_seconds": s.e2e_poll_seconds}
        elif case.key == "emulator":
            if variant == "jobs":
                path = self._once(
                    "emulator input",
                    lambda: fixtures.write_requests(
                        self.scratch / "emulator.jsonl", count=s.emulator_requests
                    ),
                )
                p |= {"path": str(path), "n": s.emulator_requests}
            elif variant == "download":
                p |= {"file_id": self.big_file_id()}
            else:
                p |= {"job_id": self.job_id(), "n": s.calls, "warmup": s.warmup_calls}
        elif case.key == "fanout":
            n = s.fanout_raw_calls if variant == "httpx" else s.fanout_calls
            p |= {"job_id": self.job_id(), "n": n}
        elif case.key == "tables":
            path = self._once(
                f"{variant} table input",
                lambda: self._table_input(variant, self.scratch / f"table.{variant}"),
            )
            p |= {"path": str(path), "n": s.table_rows}
            p |= {"out": str(self.scratch / f"table-out.{variant}")}
        elif case.key == "scale":
            p |= {"n": scale_requests(s.scale_requests, variant)}
            p |= {"part_bytes": s.scale_part_bytes, "pending": s.scale_pending}
            p |= {"poll_seconds": s.scale_poll_seconds}
        return p

    def _table_input(self, variant: str, path: Path) -> Path:
        """The tables case's input, written in a process of its own: a child's peak RSS
        starts at its parent's (Linux carries it over the exec), and pyarrow and the rows
        would otherwise count in every later run's."""
        command = [sys.executable, "-m", "benchmarks.cases_tables", variant, str(path)]
        command.append(str(self.sizes.table_rows))
        subprocess.run(command, cwd=fixtures.ROOT, check=True)
        return path

    def run_child(self, case: Case, variant: str, *, profile: bool = False) -> dict[str, Any]:
        """One measured run of a variant, in a new process."""
        if self.in_process:
            params = self.params(case, variant)
            return child.measure(f"{case.key}.{variant}", params, profile=profile)
        command = [sys.executable, "-m", "benchmarks.child", f"{case.key}.{variant}"]
        command.append(json.dumps(self.params(case, variant)))
        if profile:
            command.append("--profile")
        done = subprocess.run(
            command,
            cwd=fixtures.ROOT,
            capture_output=True,
            text=True,
            timeout=case.timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{case.key}.{variant} failed:\n{done.stderr[-3000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def scale_requests(n: int, variant: str) -> int:
    """The requests per model of a variant of the runs of any size: N, N / 10 or N / 100."""
    divisor = {"one": 1, "one_small": 10, "three": 10, "three_small": 100}[variant]
    return max(1, n // divisor)


def run_case(bench: Bench, case: Case, repeat: int, cold_rounds: int) -> dict[str, Runs]:
    """Every variant of `case`, `repeat` times, interleaved so that drift hits all alike."""
    runs = {v.key: Runs() for v in case.variants}
    rounds = cold_rounds if case.key == "cold" else min(repeat, case.max_runs or repeat)
    for round_ in range(rounds):
        for variant in case.variants:
            if case.key == "cold":
                result = cold.measure(variant.key)
            else:
                result = bench.run_child(case, variant.key)
            figure = case.metric_of(variant.key).of(result["units"], result["seconds"])
            entry = runs[variant.key]
            entry.figures.append(figure)
            entry.growth_mib.append((result["peak_kib"] - result["baseline_kib"]) / 1024)
            entry.peak_mib.append(result["peak_kib"] / 1024)
            entry.cpu_seconds.append(result.get("cpu_seconds", 0.0))
            entry.units.append(result["units"])
            entry.errors.append(result.get("errors", 0))
            unit = case.metric_of(variant.key).unit
            _log(f"  {case.key}.{variant.key} run {round_ + 1}/{rounds}: {figure:,.1f} {unit}")
    return runs


def profiles_of_misses(bench: Bench, results: Results) -> dict[str, str]:
    """A profile of our side of every case with a missed target."""
    out: dict[str, str] = {}
    for target in TARGETS:
        verdict = target.judge(results)
        if verdict is None or verdict[1] or target.case in out:
            continue
        case = next(c for c in CASES if c.key == target.case)
        if case.key == "cold":
            out[case.key] = cold.import_profile("ours")
        elif any(v.key == "ours" for v in case.variants):
            _log(f"  profiling {case.key}.ours")
            out[case.key] = bench.run_child(case, "ours", profile=True).get("profile", "")
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of scripts/bench."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test's)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per variant (median kept)")
    parser.add_argument(
        "--only", action="append", choices=CASE_KEYS, help="run this case only (repeatable)"
    )
    parser.add_argument(
        "--scale-requests",
        type=int,
        default=None,
        metavar="N",
        help=f"N of the runs of any size (default {FULL.scale_requests:,};"
        f" --quick: {QUICK.scale_requests:,})",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to write the results (default: benchmarks/RESULTS.md for a full run;"
        " a --quick, --only or --scale-requests run writes nothing unless asked)",
    )
    parser.add_argument(
        "--scratch-dir",
        type=Path,
        default=fixtures.ROOT.parent,
        help="where the temporary files go (default: the checkout's parent folder)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.scale_requests is not None and args.scale_requests < 100:
        parser.error("--scale-requests must be at least 100")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks and write the results."""
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.scale_requests is not None:
        sizes = dataclasses.replace(sizes, scale_requests=args.scale_requests)
    selected = [c for c in CASES if not args.only or c.key in args.only]
    output = args.output
    if output is None and not args.quick and not args.only and args.scale_requests is None:
        output = RESULTS_MD
    args.scratch_dir.mkdir(parents=True, exist_ok=True)
    needed = DISK_NEEDED
    if any(c.key == "scale" for c in selected):
        needed += SCALE_DISK_PER_REQUEST * sizes.scale_requests
    if not args.quick and fixtures.disk_free(args.scratch_dir) < needed:
        sys.exit(f"{args.scratch_dir} has less than {needed / 1024**3:.0f} GiB free")
    scratch = Path(tempfile.mkdtemp(prefix="mistral-batch-bench-", dir=args.scratch_dir))
    started = time.perf_counter()
    results: Results = {}
    cold_rounds = args.repeat if args.quick else args.repeat * 3
    profiles: dict[str, str] = {}
    try:
        with fixtures.EmulatorProcess(scratch / "emulator") as emulator:
            bench = Bench(scratch, emulator, sizes)
            for case in selected:
                _log(f"{case.key}: {case.title}")
                results[case.key] = run_case(bench, case, args.repeat, cold_rounds)
            if not args.quick:
                profiles = profiles_of_misses(bench, results)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    elapsed = time.perf_counter() - started
    text = report.render(
        results,
        profiles,
        sizes=sizes,
        repeat=args.repeat,
        cold_rounds=cold_rounds,
        quick=args.quick,
        elapsed=elapsed,
    )
    print(text)
    if output is not None:
        output.write_text(text)
        _log(f"wrote {output} ({elapsed:.0f}s in all)")
