"""Transient failures of the fake model: a set share of requests answered 503 instead.

Whether a request fails is a hash of its custom_id, its model and its attempt: how many
times its workspace already had that (model, custom_id) run in a job. So the same
requests fail on every emulator with the same ``fail_rate`` and the same history, and a
retry, the request sent again in a later job, draws anew and may succeed. A request
without a custom_id is always on its first attempt, and its result id stands for it.
The counts live in the store's ``attempts`` table, so a restarted emulator keeps them;
they grow only while ``fail_rate`` is above 0.
"""

from __future__ import annotations

import hashlib

import orjson

#: 503, not 429: a 429 says the caller sent too much too fast, which a batch's caller
#: cannot have done request by request; a 503 says the service could not answer this
#: time (an overloaded model), which is what sending the request again may cure. Both
#: are transient to the client (results.TRANSIENT_STATUSES).
TRANSIENT_STATUS = 503
TRANSIENT_MESSAGE = "The model is overloaded: the request could not be answered, send it again"

_SCALE = float(1 << 64)


def draws_failure(identity: str, model: str, attempt: int, fail_rate: float) -> bool:
    """Whether this attempt at a request fails: True for a share ``fail_rate`` of them."""
    if fail_rate <= 0:
        return False
    if fail_rate >= 1:
        return True
    digest = hashlib.blake2b(orjson.dumps([identity, model, attempt]), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE < fail_rate
