"""The local emulator under the client's name: ``mistral_batch_emulator``, re-exported.

The emulator is a package of its own that imports nothing of the client, so that a
bug cannot hide on both sides at once; this module keeps ``from mistral_batch.emulator
import Emulator`` and ``python -m mistral_batch.emulator`` working.
"""

from mistral_batch_emulator import FAULT_KINDS, Emulator, EmulatorStats, Fault, serve

__all__ = ["FAULT_KINDS", "Emulator", "EmulatorStats", "Fault", "serve"]

if __name__ == "__main__":
    from mistral_batch_emulator.__main__ import main

    main(prog="python -m mistral_batch.emulator")
