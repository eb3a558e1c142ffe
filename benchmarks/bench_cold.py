"""P5: a cold `poam-xl validate` process on a 50-item workbook end to end (target < 0.8 s), and
a button press: `import poam_xl.xl` on top of xlwings vs a bare `import xlwings` (<= 1.3x).

Generates its input and times whole processes (median of --runs), next to a bare
`python -c pass` and a process that only imports python_calamine. Also lists the heavy
libraries `import poam_xl.xl` pulls in (pandera, openpyxl, rich, formulas: none expected).
Run: python benchmarks/bench_cold.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from poam_xl import template

AS_OF = dt.date(2026, 11, 25)


ENV = dict(os.environ)


def timed_run(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False, env=ENV)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    exe = shutil.which("poam-xl")
    cli = [exe] if exe else [sys.executable, "-c", "from poam_xl.cli import main; main()"]
    with tempfile.TemporaryDirectory() as folder:
        # an installed package has its bytecode compiled (pip does it): let the warm-up run
        # write it (to a cache folder of this run) even where PYTHONDONTWRITEBYTECODE is set
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        src = Path(folder) / "poam.xlsx"
        template.build(sample_items=50, as_of=AS_OF).save(src)
        cmds = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import python_calamine": [sys.executable, "-c", "import python_calamine"],
            "poam-xl --version": [*cli, "--version"],
            "poam-xl validate (50 items)": [*cli, "validate", str(src), "--as-of", "2026-11-25"],
            "import xlwings": [sys.executable, "-c", "import xlwings"],
            "import xlwings, poam_xl.xl": [sys.executable, "-c", "import xlwings, poam_xl.xl"],
            "import poam_xl.xl": [sys.executable, "-c", "import poam_xl.xl"],
        }
        results = {}
        for label, cmd in cmds.items():
            timed_run(cmd)  # warm the OS file cache: "cold" means a new process, not a cold disk
            results[label] = statistics.median(timed_run(cmd) for _ in range(args.runs))
            print(f"{label:30s} {results[label]:6.2f} s")
        total = results["poam-xl validate (50 items)"]
        print(f"P5 cold validate {total:.2f} s (target < 0.8 s); "
              f"{total / results['python -c pass']:.1f}x a bare interpreter start")
        button = results["import xlwings, poam_xl.xl"] / results["import xlwings"]
        print(f"P5 button press: import xlwings + poam_xl.xl / import xlwings = {button:.2f}x "
              f"(target <= 1.3x); import poam_xl.xl alone / import xlwings = "
              f"{results['import poam_xl.xl'] / results['import xlwings']:.2f}x")
        heavy = subprocess.run([sys.executable, "-c", "import sys, poam_xl.xl; print(' '.join(m for m "
                                "in ('pandera', 'openpyxl', 'rich', 'formulas', 'lxml') if m in "
                                "sys.modules))"], capture_output=True, text=True, check=False,
                               env=ENV)
        print(f"heavy libraries imported by poam_xl.xl: {heavy.stdout.strip() or 'none'}")


if __name__ == "__main__":
    main()
