"""What the SDK conformance tests share: where the binaries are, and fc-local started with a
capture file.

The binaries default to ``target/debug``; ``FC_LOCAL_BIN`` and ``FC_ACTION_BIN`` override.
A test module names the keys fc-local accepts as ``KEY_ID`` and ``SECRET``, and may add
``FC_LOCAL_ARGS`` (for example a region) for every server it starts.
"""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FC_LOCAL = os.environ.get("FC_LOCAL_BIN", str(ROOT / "target/debug/fc-local"))
ACTION = os.environ.get("FC_ACTION_BIN", str(ROOT / "target/debug/fc-layer-action"))


@pytest.fixture
def fc_local(tmp_path, request):
    """Yields start(*extra) -> (url, capture path); every server started is stopped after."""
    module = request.module
    servers = []

    def start(*extra):
        capture = tmp_path / f"capture-{len(servers)}.jsonl"
        server = subprocess.Popen(
            [FC_LOCAL, "--access-key-id", module.KEY_ID, "--access-key-secret", module.SECRET,
             *getattr(module, "FC_LOCAL_ARGS", ()), "--capture", str(capture), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        servers.append(server)
        first = server.stdout.readline().strip()
        assert first.startswith("fc-local listening on "), first
        return first.removeprefix("fc-local listening on "), capture

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)
