"""Build the barsmith wheel for an asv environment, reusing one cargo target dir.

asv checks every commit out into a fresh directory; without a shared
CARGO_TARGET_DIR each would rebuild PyO3 and the kernels from nothing.
Usage (from asv.conf.json): python asv_build.py BUILD_DIR WHEEL_DIR
"""

import os
import subprocess
import sys
from pathlib import Path

build_dir, wheel_dir = sys.argv[1], sys.argv[2]
target = Path(os.environ.get("BARSMITH_ASV_TARGET", Path.home() / ".cache" / "barsmith" / "asv-target"))
target.mkdir(parents=True, exist_ok=True)
env = dict(os.environ, CARGO_TARGET_DIR=str(target))
subprocess.check_call(
    [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", wheel_dir, build_dir],
    env=env,
)
