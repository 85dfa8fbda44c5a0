"""The exit codes of mistral-batch, and which code each error and job status gives."""

from __future__ import annotations

from mistral_batch import (
    APIConnectionError,
    AuthenticationError,
    InputError,
    PermissionDeniedError,
    WaitTimeoutError,
)

OK = 0
ERROR = 1
USAGE = 2
BAD_INPUT = 3
AUTH = 4
NETWORK = 5
JOB_FAILED = 6
JOB_CANCELLED = 7
JOB_TIMED_OUT = 8
WAIT_TIMEOUT = 9
INTERRUPTED = 130

#: The table shown by ``run --help``, and put in the package docstring.
EXIT_CODES_TABLE = """\
  0    the job ended SUCCESS, a run's jobs too (or the command did what it was asked)
  1    an API error not listed here, a result file shorter than its job, or an unexpected error
  2    usage error: a bad option or argument
  3    bad input: a local check failed (line number on stderr); nothing was sent
  4    authentication: the API key is missing, wrong or not allowed (401, 403)
  5    network: no answer from the server (refused, DNS, TLS, timeout)
  6    the job ended FAILED (in a run: and left requests without an answer)
  7    the job ended CANCELLED (idem)
  8    the job ended TIMEOUT_EXCEEDED (its timeout_hours ran out)
  9    gave up waiting (--wait-timeout); the job keeps running
  130  interrupted (Ctrl-C); the job keeps running unless --cancel-on-interrupt"""

_BY_STATUS = {
    "SUCCESS": OK,
    "FAILED": JOB_FAILED,
    "CANCELLED": JOB_CANCELLED,
    "TIMEOUT_EXCEEDED": JOB_TIMED_OUT,
}


def for_status(status: str) -> int:
    """The exit code for a job that ended with `status` (ERROR for one not final)."""
    return _BY_STATUS.get(status, ERROR)


def for_error(error: BaseException) -> int:
    """The exit code for an error that stopped a command."""
    if isinstance(error, InputError):
        return AUTH if error.field == "api_key" else BAD_INPUT
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        return AUTH
    if isinstance(error, APIConnectionError):
        return NETWORK
    if isinstance(error, WaitTimeoutError):
        return WAIT_TIMEOUT
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED
    return ERROR
