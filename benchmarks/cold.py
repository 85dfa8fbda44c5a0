"""The cold start case: a fresh interpreter imports a package and builds a client.

Standard library only, so that the process that times a cold start is itself quick to
start: ``python -m benchmarks.cold VARIANT`` prints the run's report as JSON.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def sdk_import() -> str:
    """The official SDK's import as its users write it: from 2.0 the client lives in
    ``mistralai.client`` (loaded lazily); before, ``mistralai`` itself exports it."""
    try:
        major = int(metadata.version("mistralai").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        major = 1
    return "from mistralai.client import Mistral" if major >= 2 else "from mistralai import Mistral"


#: What a fresh interpreter runs in the cold start case: import, and a client for
#: files and batch (the SDK loads its sub-clients on first access, so they are touched).
COLD_START: dict[str, str] = {
    "ours": (
        "from mistral_batch import Mistral\n"
        "client = Mistral(api_key='key', server_url='http://127.0.0.1:9')\n"
        "client.files, client.batch.jobs\n"
    ),
    "sdk": (
        f"{sdk_import()}\n"
        "client = Mistral(api_key='key', server_url='http://127.0.0.1:9')\n"
        "client.files, client.batch.jobs\n"
    ),
    "httpx": "import httpx\nclient = httpx.Client(base_url='http://127.0.0.1:9')\n",
    "python": "pass\n",
}


def run(variant: str) -> dict[str, Any]:
    """A fresh interpreter running the variant's code, timed from spawn to exit."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", COLD_START[variant]], cwd=ROOT, check=True)
    seconds = time.perf_counter() - started
    # Over the children waited for so far: this process waits for one only.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "units": 1,
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "baseline_kib": 0,
        "peak_kib": usage.ru_maxrss,
    }


def measure(variant: str) -> dict[str, Any]:
    """run() in a process of its own, so that the peak memory is that run's alone."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.cold", variant],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def import_profile(variant: str, top: int = 15) -> str:
    """The packages and modules that take longest to import (``-X importtime``)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", COLD_START[variant]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows: list[tuple[int, int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own_us, total_us, module = line.removeprefix("import time:").split("|")
        rows.append((int(own_us), int(total_us), module.strip()))
    by_package: dict[str, int] = {}
    for own, _, name in rows:
        package = name.split(".")[0]
        by_package[package] = by_package.get(package, 0) + own
    lines = ["self ms  package (all its modules)"]
    for package, own in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"{own / 1000:7.1f}  {package}")
    lines += ["", "self ms  cumulative ms  module"]
    for own, total, name in sorted(rows, key=lambda r: -r[0])[:top]:
        lines.append(f"{own / 1000:7.1f}  {total / 1000:13.1f}  {name}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run(sys.argv[1])) + "\n")
