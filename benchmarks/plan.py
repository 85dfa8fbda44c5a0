"""The cases, their variants, their sizes and their targets: data only, no I/O."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

MB = 1_000_000
MIB = 1024 * 1024


@dataclass(frozen=True)
class Variant:
    """One way of doing a case's work: ours, raw httpx, the official SDK..."""

    key: str
    label: str
    role: str  # "ours", "httpx", "sdk", "baseline" or "info"


@dataclass(frozen=True)
class Sizes:
    """How big each case is."""

    download_bytes: int
    upload_bytes: int
    decode_lines: int
    calls: int
    warmup_calls: int
    e2e_requests: int
    e2e_poll_seconds: float  # how often the guide's example polls
    emulator_requests: int
    fanout_calls: int
    fanout_raw_calls: int  # fewer for raw httpx: see the case's note
    scale_requests: int  # N: one model at N, three models at N / 10 each
    scale_part_bytes: int  # the run's max_file_bytes, and the emulator's upload limit
    scale_pending: int  # the run's max_pending, and the emulator's pending limit
    scale_poll_seconds: float  # the run's first poll delay
    table_rows: int  # the rows of the table in and out


FULL = Sizes(
    download_bytes=1024 * MIB,
    upload_bytes=512 * MB,
    decode_lines=1_000_000,
    calls=2000,
    warmup_calls=20,
    e2e_requests=100_000,
    e2e_poll_seconds=1.0,
    emulator_requests=100_000,
    fanout_calls=10_000,
    fanout_raw_calls=1_000,
    scale_requests=10_000_000,
    scale_part_bytes=4 * MB,
    scale_pending=100_000,
    scale_poll_seconds=0.5,
    table_rows=1_000_000,
)
QUICK = Sizes(
    download_bytes=256 * 1024,
    upload_bytes=256 * 1024,
    decode_lines=2000,
    calls=5,
    warmup_calls=2,
    e2e_requests=200,
    e2e_poll_seconds=0.01,
    emulator_requests=500,
    fanout_calls=50,
    fanout_raw_calls=50,
    scale_requests=3000,
    scale_part_bytes=16 * 1024,
    scale_pending=250,
    scale_poll_seconds=0.01,
    table_rows=2000,
)


@dataclass(frozen=True)
class Metric:
    """How a run's units and seconds become the figure shown."""

    name: str
    unit: str
    higher_is_better: bool
    of: Callable[[float, float], float]  # (units, seconds) -> figure
    digits: int = 0


THROUGHPUT_MB = Metric("throughput", "MB/s", True, lambda units, s: units / s / MB)
LINES_PER_S = Metric("lines per second", "lines/s", True, lambda units, s: units / s)
PER_CALL_US = Metric("time per call", "µs", False, lambda units, s: s / units * 1e6)
MILLISECONDS = Metric("wall time", "ms", False, lambda units, s: s * 1000)
SECONDS = Metric("wall time", "s", False, lambda units, s: s, digits=2)
CALLS_PER_S = Metric("calls per second", "calls/s", True, lambda units, s: units / s)
REQUESTS_PER_S = Metric("requests per second", "req/s", True, lambda units, s: units / s)


@dataclass(frozen=True)
class Case:
    """A benchmark case: what it measures, and the ways it is done."""

    key: str
    title: str
    metric: Metric
    variants: tuple[Variant, ...]
    reference: str  # the variant the ratios are taken against
    note: str = ""
    metrics: dict[str, Metric] = field(default_factory=dict)  # per variant, when they differ
    max_runs: int | None = None  # runs per variant at most, whatever --repeat says
    timeout: float = 600.0  # seconds one run may take

    def metric_of(self, variant: str) -> Metric:
        """The metric of a variant (the case's own unless overridden)."""
        return self.metrics.get(variant, self.metric)


OURS = "mistral_batch"
SDK = "mistralai (official SDK)"

CASES: tuple[Case, ...] = (
    Case(
        "download",
        "Download a file to disk",
        THROUGHPUT_MB,
        (
            Variant("ours", f"{OURS}: `files.download(id).write_to(path)`", "ours"),
            Variant("httpx", "httpx: `stream()` + `iter_raw()` to a file", "httpx"),
            Variant("sdk", f"{SDK}: `files.download()`, `.stream` to a file", "sdk"),
        ),
        reference="httpx",
        note=(
            "The SDK's loop is the guide's end-to-end example in binary: the guide opens "
            "the file in text mode and writes `chunk.decode()`, which would also fail on a "
            "chunk that splits a UTF-8 character."
        ),
    ),
    Case(
        "upload",
        "Upload a JSONL file",
        THROUGHPUT_MB,
        (
            Variant("ours", f"{OURS}: `files.upload(path)`", "ours"),
            Variant("httpx", "httpx: multipart `files=` from an open file", "httpx"),
            Variant("sdk", f"{SDK}: `files.upload(file={{file_name, content}})`", "sdk"),
        ),
        reference="httpx",
    ),
    Case(
        "decode",
        "Decode a result file",
        LINES_PER_S,
        (
            Variant("ours", f"{OURS}: `iter_results` (a BatchResult per line)", "ours"),
            Variant("ours_values", f"{OURS}: `iter_jsonl` (plain values)", "info"),
            Variant("json", "`json.loads` loop over the lines", "baseline"),
        ),
        reference="json",
        note=(
            "Decoded from 64 KiB chunks, as they come from the network. The official SDK "
            "has no result file decoder: its users write the `json.loads` loop."
        ),
    ),
    Case(
        "calls",
        "`jobs.get` calls on one client",
        PER_CALL_US,
        (
            Variant("ours", f"{OURS}: `batch.jobs.get(id)`", "ours"),
            Variant("httpx", "httpx: `client.get(url).json()`", "httpx"),
            Variant("sdk", f"{SDK}: `batch.jobs.get(job_id=id)`", "sdk"),
        ),
        reference="httpx",
        note=(
            "After warm-up calls on the same client; one connection, kept alive. The "
            "targets are judged on the client process's CPU time per call: the wall time "
            "also holds the server's share, the same for every client."
        ),
    ),
    Case(
        "cold",
        "Cold start: a fresh interpreter imports and builds a client",
        MILLISECONDS,
        (
            Variant("ours", f"{OURS}: `Mistral(...)`, `.files`, `.batch.jobs`", "ours"),
            Variant("sdk", f"{SDK}: `Mistral(...)`, `.files`, `.batch.jobs`", "sdk"),
            Variant("httpx", "httpx alone: `httpx.Client()`", "httpx"),
            Variant("python", "python -c pass", "info"),
        ),
        reference="sdk",
        note=(
            "Wall time of the whole process, from spawn to exit; its CPU time and peak RSS. "
            "The SDK is imported as its users do: `from mistralai.client import Mistral` "
            "from 2.0 on, `from mistralai import Mistral` before. httpx alone is the floor: "
            "a client of httpx cannot start faster."
        ),
    ),
    Case(
        "e2e",
        "End to end: build, upload, create, wait, download, decode",
        SECONDS,
        (
            Variant("ours", f"{OURS}: `batch.run(requests)`, `results()`", "ours"),
            Variant("sdk", f"{SDK}: the guide's end-to-end example", "sdk"),
        ),
        reference="sdk",
        note=(
            "Ours polls with its default backoff (1 s initial, x1.5, full jitter); the "
            "guide's example polls every second, builds the input in memory, writes the "
            "output file and reads it back with `json.loads`."
        ),
    ),
    Case(
        "emulator",
        "The emulator itself",
        REQUESTS_PER_S,
        (
            Variant("jobs", "batch requests processed (create to SUCCESS)", "info"),
            Variant("download", "download, bytes dropped (httpx `iter_raw`)", "info"),
            Variant("http", "HTTP requests on one connection (GET a job)", "info"),
        ),
        reference="",
        metrics={"download": THROUGHPUT_MB},
    ),
    Case(
        "fanout",
        "Fan-out: concurrent `jobs.get` calls on one asyncio client",
        CALLS_PER_S,
        (
            Variant("ours", f"{OURS}: `AsyncMistral`, `asyncio.gather` of every call", "ours"),
            Variant("httpx", "httpx: `AsyncClient`, `asyncio.gather` of every call", "httpx"),
            Variant("httpx_semaphore", "httpx behind `asyncio.Semaphore(50)`", "baseline"),
        ),
        reference="httpx_semaphore",
        note=(
            "Every call is started at once; calls per second over the whole run, failed "
            "calls counted apart. Ours with its defaults (at most 64 in flight, queued in "
            "front of the pool); httpx with its own (100 connections, 5 s timeouts). Raw "
            "httpx makes fewer calls: its pool scans every waiting request at each change, "
            "so its queue slows down quadratically, and 10,000 calls outlast the ten "
            "minutes a run may take."
        ),
    ),
    Case(
        "scale",
        "Runs of any size, across many files and jobs",
        REQUESTS_PER_S,
        (
            Variant("one", f"{OURS}: `batch.run(requests, model=...)`, N requests", "ours"),
            Variant("one_small", f"{OURS}: the same, N / 10 requests", "ours"),
            Variant("three", f"{OURS}: `batch.run(requests, models=[3])`, N / 10 each", "ours"),
            Variant("three_small", f"{OURS}: the same, N / 100 each", "ours"),
        ),
        reference="",
        max_runs=1,
        timeout=3600.0,
        note=(
            "Run once per variant: at full size the four take about ten minutes. "
            "The requests come from a generator; the emulator's upload and pending limits "
            "are lowered to the run's `max_file_bytes` and `max_pending`, so that a run "
            "spans many files and jobs. The run is timed from the first request to the last "
            "answer read, its temporary folder removed; it reads each model's results and "
            "errors and checks that every custom_id is there once (a bitmap of N bits). A "
            "request on three models counts three times, in the requests per second and "
            "in the client CPU per million requests."
        ),
    ),
    Case(
        "tables",
        "Tables in and out: Parquet to Parquet, beside JSONL to JSONL",
        REQUESTS_PER_S,
        (
            Variant(
                "parquet",
                f'{OURS}: `batch.run("in.parquet")`, `write_parquet(join=True)`',
                "ours",
            ),
            Variant("jsonl", f'{OURS}: `batch.run("in.jsonl")`, `write_results()`', "ours"),
        ),
        reference="jsonl",
        max_runs=1,
        timeout=3600.0,
        note=(
            "Run once per variant. The same requests: rows of an id, a prompt and a "
            "category column, or their JSONL lines. The table's run reads the Parquet file "
            "in record batches, writes each row as a request line, and writes the answers "
            "with the input's columns beside them, a batch of rows at a time; the plain run "
            "uploads its file as it is and writes the result lines."
        ),
    ),
)

CASE_KEYS = tuple(case.key for case in CASES)


def case(key: str) -> Case:
    """The case named `key`."""
    return next(c for c in CASES if c.key == key)


@dataclass
class Runs:
    """The runs of one variant of a case."""

    figures: list[float] = field(default_factory=list)
    growth_mib: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    units: list[float] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        """The median CPU time of the client process during the work, seconds."""
        return statistics.median(self.cpu_seconds)

    @property
    def cpu_per_unit(self) -> float:
        """The median CPU time per unit of work (per call, per line...), seconds."""
        return statistics.median(c / u for c, u in zip(self.cpu_seconds, self.units, strict=True))

    @property
    def median(self) -> float:
        """The median figure."""
        return statistics.median(self.figures)

    @property
    def growth(self) -> float:
        """The median growth of peak memory during the work, MiB."""
        return statistics.median(self.growth_mib)

    @property
    def peak(self) -> float:
        """The median peak memory of the process, MiB."""
        return statistics.median(self.peak_mib)


Results = dict[str, dict[str, Runs]]  # case -> variant -> runs


#: What a target makes of the results: (the figure measured, met), or None if not run.
Judge = Callable[[Results], tuple[str, bool] | None]


@dataclass(frozen=True)
class Target:
    """A goal from the issue, judged on the medians."""

    case: str
    text: str
    judge: Judge


def _get(results: Results, case: str, variant: str) -> Runs | None:
    runs = results.get(case, {}).get(variant)
    return runs if runs is not None and runs.figures else None


def _ratio(case_key: str, variant: str, reference: str, limit: float, at_least: bool) -> Judge:
    def judge(results: Results) -> tuple[str, bool] | None:
        ours, ref = _get(results, case_key, variant), _get(results, case_key, reference)
        if ours is None or ref is None:
            return None
        ratio = ours.median / ref.median
        return f"{ratio:.2f}x", ratio >= limit if at_least else ratio <= limit

    return judge


def _memory(case_key: str, limit: float, *, absolute: bool = False) -> Judge:
    def judge(results: Results) -> tuple[str, bool] | None:
        ours = _get(results, case_key, "ours")
        if ours is None:
            return None
        value = ours.peak if absolute else ours.growth
        return f"{value:.1f} MiB", value <= limit

    return judge


def _cpu_per_call(limit: float | None, reference: str) -> Judge:
    """Our client's CPU time per call against `reference`'s: at most `limit` times it, or
    below it when `limit` is None. CPU time, not wall time: the server's share of a call
    is the same for every client and would hide what the client itself costs."""

    def judge(results: Results) -> tuple[str, bool] | None:
        ours, ref = _get(results, "calls", "ours"), _get(results, "calls", reference)
        if ours is None or ref is None:
            return None
        mine, theirs = ours.cpu_per_unit * 1e6, ref.cpu_per_unit * 1e6
        measured = f"{mine:.0f} vs {theirs:.0f} µs CPU ({mine / theirs:.2f}x)"
        return measured, mine < theirs if limit is None else mine <= limit * theirs

    return judge


def _floor(case_key: str, variant: str, limit: float, unit: str) -> Judge:
    def judge(results: Results) -> tuple[str, bool] | None:
        runs = _get(results, case_key, variant)
        if runs is None:
            return None
        return f"{runs.median:,.0f} {unit}", runs.median >= limit

    return judge


def _peak(case_key: str, variant: str, limit: float) -> Judge:
    """The variant's peak memory (RSS, not its growth): at most `limit` MiB."""

    def judge(results: Results) -> tuple[str, bool] | None:
        runs = _get(results, case_key, variant)
        return None if runs is None else (f"{runs.peak:.1f} MiB", runs.peak <= limit)

    return judge


def _flat(case_key: str, large: str, small: str, limit: float) -> Judge:
    """The peak memory of `large` (the bigger input) at most `limit` times `small`'s."""

    def judge(results: Results) -> tuple[str, bool] | None:
        big, little = _get(results, case_key, large), _get(results, case_key, small)
        if big is None or little is None:
            return None
        ratio = big.peak / little.peak
        return f"{big.peak:.1f} vs {little.peak:.1f} MiB ({ratio:.2f}x)", ratio <= limit

    return judge


def _no_errors(case_key: str, variant: str) -> Judge:
    def judge(results: Results) -> tuple[str, bool] | None:
        runs = _get(results, case_key, variant)
        worst = None if runs is None else max(runs.errors, default=0)
        return None if worst is None else (f"{worst:,} errors (the worst run)", worst == 0)

    return judge


TARGETS: tuple[Target, ...] = (
    Target(
        "download",
        "download throughput >= 0.9x raw httpx",
        _ratio("download", "ours", "httpx", 0.9, True),
    ),
    Target("download", "download peak memory growth <= 32 MiB", _memory("download", 32)),
    Target(
        "upload",
        "upload throughput >= 0.9x raw httpx",
        _ratio("upload", "ours", "httpx", 0.9, True),
    ),
    Target("upload", "upload peak memory growth <= 32 MiB", _memory("upload", 32)),
    Target(
        "decode",
        "decoding >= 2x the json.loads loop (a BatchResult per line)",
        _ratio("decode", "ours", "json", 2.0, True),
    ),
    Target(
        "decode",
        "decoding >= 2x the json.loads loop (plain values, as the loop gives)",
        _ratio("decode", "ours_values", "json", 2.0, True),
    ),
    Target("calls", "client time per call <= 1.2x raw httpx", _cpu_per_call(1.2, "httpx")),
    Target("calls", "client time per call below the official SDK's", _cpu_per_call(None, "sdk")),
    Target(
        "cold", "cold start <= 0.35x the official SDK's", _ratio("cold", "ours", "sdk", 0.35, False)
    ),
    Target(
        "cold",
        "cold start <= 1.3x `import httpx; httpx.Client()`",
        _ratio("cold", "ours", "httpx", 1.3, False),
    ),
    Target("e2e", "end to end: client peak memory <= 100 MiB", _memory("e2e", 100, absolute=True)),
    Target(
        "emulator",
        "emulator: >= 20,000 batch requests/s",
        _floor("emulator", "jobs", 20_000, "req/s"),
    ),
    Target(
        "emulator", "emulator: downloads >= 300 MB/s", _floor("emulator", "download", 300, "MB/s")
    ),
    Target("fanout", "fan-out: every call succeeds", _no_errors("fanout", "ours")),
    Target(
        "fanout",
        "fan-out: wall time <= 1.5x httpx behind a semaphore of 50",
        _ratio("fanout", "httpx_semaphore", "ours", 1.5, False),
    ),
    Target(
        "tables",
        "Parquet to Parquet: client peak memory <= 300 MiB",
        _peak("tables", "parquet", 300),
    ),
    Target(
        "scale",
        "any size, one model: each request answered once, none failed",
        _no_errors("scale", "one"),
    ),
    Target(
        "scale",
        "any size, three models: each request answered once on each, none failed",
        _no_errors("scale", "three"),
    ),
    Target(
        "scale", "any size, one model: client peak memory <= 200 MiB", _peak("scale", "one", 200)
    ),
    Target(
        "scale",
        "any size, three models: client peak memory <= 200 MiB",
        _peak("scale", "three", 200),
    ),
    Target(
        "scale",
        "any size, one model: peak memory at N <= 1.25x at N / 10",
        _flat("scale", "one", "one_small", 1.25),
    ),
    Target(
        "scale",
        "any size, three models: peak memory at N / 10 <= 1.25x at N / 100",
        _flat("scale", "three", "three_small", 1.25),
    ),
)
