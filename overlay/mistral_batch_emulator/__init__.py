"""A local emulator of Mistral's Files and Batch API, for tests and offline work.

It speaks the wire described by the project's ``openapi.yaml`` under ``/v1``: uploads
streamed to disk, file listing, download with ``Range``, signed URLs, batch jobs that
move QUEUED -> RUNNING -> SUCCESS/FAILED/TIMEOUT_EXCEEDED or CANCELLED and write output
and error files, answered by a deterministic fake model. State lives in SQLite and blob
files under ``data_dir``, so a restarted emulator keeps everything and finishes the jobs
that were running. Each API key is its own workspace.

Start one in Python::

    from mistral_batch_emulator import Emulator

    with Emulator() as emu:
        ...  # a client with server_url=emu.url and api_key=emu.api_key

or from a shell with ``python -m mistral_batch_emulator --port 8000 --api-key KEY``.
Pytest suites get the ``mistral_emulator``, ``mistral_emulator_session`` and
``mistral_emulator_factory`` fixtures (see ``pytest_plugin``).
The package imports nothing of the client; ``mistral_batch.emulator`` re-exports it.

Signed URLs (``GET /v1/files/{id}/url``) point at ``/signed/<token>``, which serves the
content without an API key until the token expires (then 403).

Admin API, under ``/_emulator/`` (a valid API key is required; not part of the contract):

- ``GET /_emulator/stats``: ``{"requests": {operationId: n}, "faults": {kind: n}}``;
  ``DELETE`` sets the counters back to zero.
- ``GET /_emulator/faults``: the active fault rules, each with its ``remaining`` count.
- ``POST /_emulator/faults``: add a rule (or a list of rules), the fields of
  :class:`Fault`, e.g. ``{"operation": "get_batch_job", "status": 503, "count": 2}``,
  ``{"operation": "list_files", "status": 429, "retry_after": 1}``,
  ``{"operation": "download_file", "drop_after": 1000}``,
  ``{"operation": "*", "html": true, "status": 502}``, ``{"reset": true}``,
  ``{"truncate": true}``, ``{"delay": 0.5}``, ``{"late": 0.5}`` (answer after the work
  is done), ``{"unknown_enums": true}``,
  ``{"extra_fields": true}``, ``{"operation": "list_batch_jobs", "lag": 2, "count": null}``
  (jobs created in the last two seconds are not listed yet). Answers the rules with their ids.
- ``DELETE /_emulator/faults``: remove every rule.
- ``GET /_emulator/settings`` and ``PATCH /_emulator/settings`` with any of
  ``range_support`` (false: ignore ``Range`` on downloads), ``requests_per_second``,
  ``queue_delay``, ``hour_seconds``, ``max_upload_bytes``, ``max_pending_requests``
  (Mistral's limit of 1,000,000 unanswered requests in a workspace's queued and running
  jobs; a create past it is a 400 whose message says "pending requests"), ``fail_rate``
  (from 0 to 1, default 0: the share of requests that jobs answer with a transient 503 in
  their error file instead of the fake model's answer, decided by a hash of the
  custom_id, the model and the attempt, i.e. how many times the workspace already had
  that request run in a job, so the same requests fail alike and a retry draws anew;
  the counts are kept in ``data_dir``, and only while ``fail_rate`` is above 0).

Fault kinds counted in the stats: ``status``, ``delay``, ``late``, ``reset``, ``truncate``,
``html``, ``drop``, ``mutate``, ``lag``. The same controls exist on :class:`Emulator`:
``inject()``, ``clear_faults()``, ``set_range_support()``, ``stats``.
"""

from ._faults import FAULT_KINDS, EmulatorStats, Fault
from ._serve import serve
from ._server import Emulator

__all__ = ["FAULT_KINDS", "Emulator", "EmulatorStats", "Fault", "serve"]
