"""``python -m mistral_batch_emulator``: run the emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._serve import describe_start_error, serve


def main(argv: Sequence[str] | None = None, prog: str = "python -m mistral_batch_emulator") -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="A local emulator of Mistral's Files and Batch API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    parser.add_argument("--data-dir", default=None, help="keep state here (default: temporary)")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        default=None,
        help="an accepted API key, one workspace each (repeatable; default: one random key)",
    )
    parser.add_argument("--queue-delay", type=float, default=0.0, help="seconds a job waits")
    parser.add_argument(
        "--requests-per-second", type=float, default=None, help="job speed (default: no limit)"
    )
    parser.add_argument(
        "--hour-seconds", type=float, default=3600.0, help="real seconds in one API hour"
    )
    args = parser.parse_args(argv)
    try:
        serve(
            args.host,
            args.port,
            args.data_dir,
            args.api_keys,
            queue_delay=args.queue_delay,
            requests_per_second=args.requests_per_second,
            hour_seconds=args.hour_seconds,
        )
    except (ImportError, OSError) as exc:
        # A missing extra or a busy port is the user's to fix: one line, no traceback.
        sys.exit(f"error: {describe_start_error(exc)}")


if __name__ == "__main__":
    main()
