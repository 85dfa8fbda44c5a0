"""The limits the client holds to before it sends anything, and the mode of what it writes.

Mistral's own limits (a job's hours, a signed URL's lifetime, inline requests, a file's
size) and the client's bounds on what it reads (an answer, a result line), in one place
for programs and for the command line.
"""

from ._encoding import MAX_ANSWER_BYTES
from ._input import MAX_INPUT_BYTES
from ._jsonl import MAX_LINE_BYTES
from ._local_files import PRIVATE_FILE_MODE
from ._validation import (
    MAX_INLINE_REQUESTS,
    MAX_PENDING_REQUESTS,
    MAX_SIGNED_URL_HOURS,
    MAX_TIMEOUT_HOURS,
)

__all__ = [
    "MAX_ANSWER_BYTES",
    "MAX_INLINE_REQUESTS",
    "MAX_INPUT_BYTES",
    "MAX_LINE_BYTES",
    "MAX_PENDING_REQUESTS",
    "MAX_SIGNED_URL_HOURS",
    "MAX_TIMEOUT_HOURS",
    "PRIVATE_FILE_MODE",
]
