"""The client's I/O for the sync client, written by scripts/unasync.py from _async.

Do not edit these modules: edit _async's, then run scripts/unasync.py (scripts/generate
does); scripts/check-generated fails while they differ.
"""
