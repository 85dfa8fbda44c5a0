"""Tokens a run used on a model, and what they cost at the prices a user gives.

No price is built in: prices change, and batch prices differ from the usual ones. A price
is given per million tokens, input (prompt) and output (completion).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from .errors import InputError

__all__ = ["Prices", "Usage", "check_prices", "tally"]

#: Per model, its price per million tokens: (input, output).
Prices = Mapping[str, tuple[float, float]]


class Usage(NamedTuple):
    """A model's tokens in a run: over the answers its jobs gave (a cache's answers were
    paid before, and are counted apart), and their cost when a price was given."""

    model: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cached: int
    cost: float | None

    @property
    def total_tokens(self) -> int:
        """Prompt and completion tokens together."""
        return self.prompt_tokens + self.completion_tokens


def check_prices(prices: Prices | None) -> None:
    """InputError unless each price is a pair of numbers at least 0."""
    for model, price in (prices or {}).items():
        pair = tuple(price) if isinstance(price, tuple | list) else ()
        if len(pair) != 2 or not all(
            isinstance(p, int | float) and not isinstance(p, bool) and p >= 0 for p in pair
        ):
            raise InputError(
                f"the price of {model!r} must be (input, output) per million tokens, two"
                f" numbers at least 0; got {price!r}",
                field="prices",
            )


def _tokens(body: Any) -> tuple[int, int]:
    usage = body.get("usage") if isinstance(body, dict) else None
    if not isinstance(usage, dict):
        return 0, 0
    found = [usage.get("prompt_tokens"), usage.get("completion_tokens")]
    prompt, completion = (v if isinstance(v, int) and not isinstance(v, bool) else 0 for v in found)
    return prompt, completion


def tally(model: str, answers: Iterable[tuple[bool, Any]], prices: Prices | None) -> Usage:
    """The usage of `model` over its answers, each (from a cache, response body)."""
    requests = prompt = completion = cached = 0
    for from_cache, body in answers:
        if from_cache:
            cached += 1
            continue
        requests += 1
        more = _tokens(body)
        prompt += more[0]
        completion += more[1]
    price = (prices or {}).get(model)
    cost = None if price is None else (prompt * price[0] + completion * price[1]) / 1_000_000
    return Usage(model, requests, prompt, completion, cached, cost)
