"""Traces, for scripts/mutate, the functions a test reaches through a subprocess.

mutmut learns which tests call a function by recording the calls made in the test's own
process, so the command's tests (each runs ``python -m mistral_batch.cli``) would seem to
call nothing. scripts/mutate puts this folder on PYTHONPATH: while mutmut traces the tests
(MUTANT_UNDER_TEST is "stats"), a Python process started by a test records its calls as
mutmut does and, when it ends, writes their names to a file in MUTATE_TRACE_DIR, which the
plugin beside this file gives to the test that was running. Outside a trace it does nothing.
"""

from __future__ import annotations

import atexit
import os


def _start() -> None:
    folder = os.environ.get("MUTATE_TRACE_DIR")
    work = os.environ.get("MUTATE_WORK")
    if os.environ.get("MUTANT_UNDER_TEST") != "stats" or not folder or not work:
        return
    from mutmut.configuration import config
    from mutmut.state import state

    # mutmut reads its settings from the folder it runs in, not the test's own.
    here = os.getcwd()
    os.chdir(work)
    try:
        config()
    finally:
        os.chdir(here)

    def write() -> None:
        names = state()._stats
        if names:
            path = os.path.join(folder, f"{os.getpid()}.calls")
            with open(path + ".part", "w", encoding="utf-8") as out:
                out.write("\n".join(sorted(names)))
            os.replace(path + ".part", path)

    atexit.register(write)


_start()
