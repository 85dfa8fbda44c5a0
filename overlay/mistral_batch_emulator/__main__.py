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
    parser.add_argument(
        "--max-pending-requests",
        type=int,
        default=1_000_000,
        help="unanswered requests a workspace's queued and running jobs may hold",
    )
    parser.add_argument(
        "--max-upload-bytes", type=int, default=512 * 1024 * 1024, help="largest upload"
    )
    parser.add_argument(
        "--fail-rate",
        type=float,
        default=0.0,
        help="share of requests that jobs answer with a transient 503 (0 to 1)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.fail_rate <= 1:
        parser.error("--fail-rate must be between 0 and 1")
    try:
        serve(
            args.host,
            args.port,
            args.data_dir,
            args.api_keys,
            queue_delay=args.queue_delay,
            requests_per_second=args.requests_per_second,
            hour_seconds=args.hour_seconds,
            max_pending_requests=args.max_pending_requests,
            max_upload_bytes=args.max_upload_bytes,
            fail_rate=args.fail_rate,
        )
    except ValueError as exc:  # a setting out of its range, such as an empty key
        parser.error(str(exc))
    except (ImportError, OSError) as exc:
        # A missing extra or a busy port is the user's to fix: one line, no traceback.
        sys.exit(f"error: {describe_start_error(exc)}")


if __name__ == "__main__":
    main()
