"""Write baselines.json: the baseline script's held-out accuracy on every set, run here
(it is our own script) the way the sandbox runs a candidate. Re-run after changing the
baseline, the sets or their generator: python -m galapagos.tasks.script.make_baselines"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from galapagos.tasks.script import BASELINE, HERE, SETS, data_files, grade


def run_script(script: Path, name: str, noise: float, n: int) -> float:
    data, labels, k = data_files(name, noise, n)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for path, text in {**data, "train.py": script.read_text()}.items():
            (work / path).parent.mkdir(parents=True, exist_ok=True)
            (work / path).write_text(text)
        subprocess.run([sys.executable, "train.py"], cwd=work, check=True)
        out = work / "out/predictions.json"
        return grade(out.read_bytes() if out.exists() else None, labels, k)[0]


def baselines(n: int = 300) -> dict[str, float]:
    return {f"{s}-noise{round(z * 100)}": run_script(BASELINE, s, z, n) for s, z, _ in SETS}


if __name__ == "__main__":
    (HERE / "baselines.json").write_text(json.dumps({"300": baselines(300)}, indent=1) + "\n")
