"""The ASGI entry point that daphne serves."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_what_the_server_loaded_is_left_out_of_full_garbage_collections():
    # A full collection stops the event loop, and with it every live message of the
    # process; modules, classes and the URL tree need not be examined again each time.
    code = "import gc, edusphere.asgi; print(gc.get_freeze_count())"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert int(out.stdout.strip().splitlines()[-1]) > 10_000
