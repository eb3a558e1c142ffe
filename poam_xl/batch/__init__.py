"""Validate many workbooks: find them, check each in a process pool (or on Dask), never stop on
a bad one, and write the report folder.

- ``files.find_files``: files named, folders searched recursively, globs; what was skipped;
- ``check.check_file``: one file, path in, JSON-able dict out, never raises;
- ``pool.run``: ``check_file`` over many files (process pool or Dask), crash-tolerant;
- ``output``: per-file reports, summary.json/csv, their names, feedback copies' names.
"""

from __future__ import annotations

from .check import BatchOptions, check_file
from .files import Skipped, find_files, skipped_results
from .output import annotate_targets, prepare, unique_names, write_reports
from .pool import counts, exit_code, run, run_dask

__all__ = ["BatchOptions", "Skipped", "annotate_targets", "check_file", "counts", "exit_code",
           "find_files", "prepare", "run", "run_dask", "skipped_results", "unique_names",
           "write_reports"]
