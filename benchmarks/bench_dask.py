"""B4: a batch of 2,000 small submissions on a Dask LocalCluster (2 worker processes) vs the
process pool with --jobs 2 (ratio printed; the same results are checked, file for file).

Generates its inputs; the cluster's start-up is timed apart and left out of the ratio (a
cluster of several machines is started once and kept). Run:
python benchmarks/bench_dask.py [--files 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import AS_OF, make_inputs  # noqa: E402

from poam_xl import batch  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    from dask.distributed import LocalCluster

    options = batch.BatchOptions(as_of=AS_OF)
    with tempfile.TemporaryDirectory() as folder:
        paths = make_inputs(Path(folder), args.files)
        batch.run(paths[:4], options, jobs=2)  # warm the OS file cache and imports
        start = time.perf_counter()
        pool = batch.run(paths, options, jobs=2)
        t_pool = time.perf_counter() - start
        start = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            t_start = time.perf_counter() - start
            batch.run(paths[:4], options, executor="dask", scheduler=cluster.scheduler_address)
            start = time.perf_counter()
            dask = batch.run(paths, options, executor="dask", scheduler=cluster.scheduler_address)
            t_dask = time.perf_counter() - start
        assert dask == pool, "Dask and the process pool disagree"
        print(f"{args.files:,} files, process pool --jobs 2:   {t_pool:7.2f} s "
              f"({1000 * t_pool / args.files:.1f} ms/file)")
        print(f"{args.files:,} files, Dask LocalCluster(2):    {t_dask:7.2f} s "
              f"({1000 * t_dask / args.files:.1f} ms/file; cluster start {t_start:.2f} s apart)")
        print(f"B4 ratio Dask / process pool = {t_dask / t_pool:.2f}x (results identical: "
              f"{len(pool):,} files)")


if __name__ == "__main__":
    main()
