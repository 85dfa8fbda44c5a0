"""Benchmarks of mistral_batch beside raw httpx and the official SDK.

Run them with ``scripts/bench`` (``--quick``, ``--repeat N``, ``--only CASE``); the
figures go to ``benchmarks/RESULTS.md``.
"""
