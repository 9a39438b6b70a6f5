"""Jobs that need no tensors start without importing torch or scikit-learn, which take about 1 s each."""

import subprocess
import sys

LIGHT_STEPS = ["initlab.steps.data", "initlab.steps.statistics", "initlab.steps.figures", "initlab.steps.summary", "initlab.steps.report"]
HEAVY_PACKAGES = ["torch", "torchvision", "sklearn"]


def test_light_steps_import_no_heavy_package():
    code = (
        f"import sys\nfor name in {LIGHT_STEPS!r}:\n    __import__(name)\n"
        f"print(' '.join(name for name in {HEAVY_PACKAGES!r} if name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)

    assert result.stdout.strip() == ""
