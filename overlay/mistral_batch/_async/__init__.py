"""The client's I/O, written once, for asyncio: scripts/unasync.py writes _sync from it.

Edit these modules, never _sync's; the few lines that differ beyond a word carry an
``# unasync:`` comment (see scripts/unasync.py).
"""
