"""The background worker that moves jobs through their life: queue, run, finish.

One thread serves every job in turn, a bounded step at a time, and saves each job's
progress after every step, so counters move while a job runs and a restarted emulator
takes a running job up where it stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from ._records import FileRecord, JobRecord
from ._runner import InputUnreadable, JobRunner, cut_to, file_signature
from ._settings import Settings
from ._store import Store

_log = logging.getLogger("mistral_batch_emulator")

_STEP_LINES = 4000
_PACED_STEPS_PER_SECOND = 20
_IDLE_WAIT = 0.5


class Worker:
    """Runs the jobs of a store in a background thread."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._runners: dict[str, JobRunner] = {}
        self._next_step_at: dict[str, float] = {}
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker thread."""
        self._thread = threading.Thread(target=self._run, name="emulator-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Make the worker look at the jobs now (a job was created or cancelled)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop after the current step; progress is already saved."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        for runner in self._runners.values():
            runner.close()
        self._runners.clear()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                wait = self._tick()
            except Exception:  # keep serving the other jobs
                _log.exception("job worker step failed")
                wait = _IDLE_WAIT
            if wait > 0:
                self._wake.wait(wait)
                self._wake.clear()

    def _tick(self) -> float:
        """Advance every unfinished job one step; how long the worker may sleep."""
        wait = _IDLE_WAIT
        active = self._store.active_jobs()
        for job in active:
            if self._stopping.is_set():
                return 0.0
            wait = min(wait, self._advance(job, time.time()))
        live = {job.id for job in active}
        for job_id in list(self._runners):
            if job_id not in live:
                self._runners.pop(job_id).close()
        return wait

    def _advance(self, job: JobRecord, now: float) -> float:
        settings = self._settings
        if job.status == "CANCELLATION_REQUESTED":
            self._finish(job, "CANCELLED", now)
            return 0.0
        deadline = job.created_at + job.timeout_hours * settings.hour_seconds
        if now >= deadline:
            self._finish(job, "TIMEOUT_EXCEEDED", now)
            return 0.0
        if job.status == "QUEUED":
            start_at = job.created_at + settings.queue_delay
            if now < start_at:
                return min(start_at, deadline) - now
            return self._start(job, now)
        runner = self._runners.get(job.id)
        if runner is None:
            try:
                runner = self._runners[job.id] = JobRunner(self._store, job)
            except InputUnreadable:
                self._fail_unreadable(job, now)
                return 0.0
        rate = settings.requests_per_second
        if rate:
            step_at = self._next_step_at.get(job.id, now)
            if now < step_at:
                return min(step_at, deadline) - now
            lines = max(1, int(rate / _PACED_STEPS_PER_SECOND))
            self._next_step_at[job.id] = max(step_at, now - 0.1) + lines / rate
        else:
            lines = _STEP_LINES
        try:
            done = runner.step(lines, settings.fail_rate)
        except InputUnreadable:
            self._fail_unreadable(job, now)
            return 0.0
        self._store.save_progress(job.id, runner.progress, runner.attempts)
        if done:
            progress = runner.progress
            failed_all = progress.failed > 0 and progress.succeeded == 0
            self._finish(job, "FAILED" if failed_all else "SUCCESS", time.time())
        return 0.0

    def _start(self, job: JobRecord, now: float) -> float:
        total = job.total
        if not job.inline:
            total = 0
            for file_id in job.input_files:
                record = self._store.get_file(job.workspace, file_id, now)
                if record is None:
                    self._fail_unreadable(job, now)
                    return 0.0
                total += record.num_lines or 0
        self._store.start_job(job.id, now, total)
        return 0.0

    def _fail_unreadable(self, job: JobRecord, now: float) -> None:
        progress = replace(job.progress, errors={"An input file could not be read": 1})
        runner = self._runners.get(job.id)
        if runner is not None:
            progress = replace(runner.progress, errors=progress.errors)
        self._finish(replace(job, progress=progress), "FAILED", now, keep_progress=True)

    def _finish(self, job: JobRecord, status: str, now: float, keep_progress: bool = False) -> None:
        runner = self._runners.pop(job.id, None)
        self._next_step_at.pop(job.id, None)
        progress = job.progress
        if runner is not None:
            runner.close()
            if not keep_progress:
                progress = runner.progress
        results = []
        for file_id, size, lines, kind in (
            (job.output_file_id, progress.out_bytes, progress.succeeded, "batch_result"),
            (job.error_file_id, progress.err_bytes, progress.failed, "batch_error"),
        ):
            path = self._store.blob_path(file_id)
            if cut_to(path, size):
                results.append(self._result_file(job, file_id, size, lines, kind, now))
        final = self._store.finish_job(job, status, now, progress, results)
        _log.debug("job %s ended %s", job.id, final)

    def _result_file(
        self, job: JobRecord, file_id: str, size: int, lines: int, kind: str, now: float
    ) -> FileRecord:
        suffix = "output" if kind == "batch_result" else "error"
        return FileRecord(
            id=file_id,
            workspace=job.workspace,
            filename=f"batch_{job.id}_{suffix}.jsonl",
            purpose="batch",
            sample_type=kind,
            source="mistral",
            num_lines=lines,
            mimetype="application/jsonl",
            signature=file_signature(self._store.blob_path(file_id)),
            bytes=size,
            created_at=now,
        )
