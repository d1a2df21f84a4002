"""Shared fixtures: every test leaves Brian2's device and preferences as it found them."""
import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _reset_brian2():
    """Restore the runtime device and the codegen target after each test (if brian2 was used)."""
    yield
    import sys

    if "brian2" not in sys.modules:
        return
    import brian2
    from brian2.devices.device import get_device, reset_device, runtime_device

    if get_device() is not runtime_device:
        brian2.device.reinit()
        reset_device(runtime_device)
    brian2.prefs.codegen.target = "auto"


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test drew (pyplot keeps them otherwise, and warns past 20)."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def seed_yaml():
    """The YAML of the core-engine issue, exactly as written there."""
    return """name: seed-competition
areas:
  V1:
    n: 4
    tau: 10 ms
    transfer: {kind: relu}
    competition: {model: seed, beta: 0.6, weights: {kind: uniform, value: -0.3}, include_self: true}
stimuli:
  - {area: V1, amplitude: [1.0, 0.98, 0.96, 0.94]}
"""
