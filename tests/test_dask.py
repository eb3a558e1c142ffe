"""`validate --executor dask` on a real dask.distributed cluster (two worker processes): the
same results as the process pool, file for file; `--scheduler` uses an existing cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dask.distributed import LocalCluster
from typer.testing import CliRunner

from poam_xl.cli import app
from tests.helpers import AS_OF, item_ref, make_book


def _flaw(wb):  # type: ignore[no-untyped-def]
    wb["POA&M"][item_ref(2, "date_identified")] = "someday"


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    make_book(folder / "good.xlsx", sample=3)
    make_book(folder / "flawed.xlsx", sample=4, edit=_flaw)
    (folder / "junk.xlsx").write_bytes(b"PK\x03\x04 truncated")
    return folder


def validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["validate", *args, "--as-of", AS_OF.isoformat()])
    return result.exit_code, result.stderr


def reports(folder: Path) -> dict[str, object]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def test_dask_cluster_gives_the_process_pool_results(cluster, inbox: Path, tmp_path: Path) -> None:
    code_pool, err = validate(str(inbox), "--jobs", "2", "--output", str(tmp_path / "pool"),
                              "--annotate")
    assert code_pool == 2, err  # junk.xlsx is unreadable
    code_dask, err = validate(str(inbox), "--executor", "dask", "--scheduler",
                              cluster.scheduler_address, "--output", str(tmp_path / "dask"),
                              "--annotate")
    assert code_dask == code_pool, err
    pool, dask = reports(tmp_path / "pool"), reports(tmp_path / "dask")
    assert len(pool) == 4  # three per-file reports and summary.json
    for name in pool:  # file for file, the same content (feedback paths name their own folder)
        text = json.dumps(dask[name]).replace(str(tmp_path / "dask"), "OUT")
        assert json.loads(text) == json.loads(json.dumps(pool[name]).replace(str(tmp_path / "pool"),
                                                                              "OUT")), name
    summary = {Path(f["path"]).name: f["status"] for f in pool["summary.json"]["files"]}  # type: ignore[index]
    assert summary == {"good.xlsx": "ok", "flawed.xlsx": "errors", "junk.xlsx": "unreadable"}
    assert sorted(p.name for p in (tmp_path / "dask").glob("*.xlsx")) == sorted(
        p.name for p in (tmp_path / "pool").glob("*.xlsx"))  # feedback copies written by workers


def test_scheduler_needs_the_dask_executor(cluster, inbox: Path) -> None:
    code, err = validate(str(inbox), "--scheduler", cluster.scheduler_address)
    assert code == 2 and "--executor dask" in err and "Traceback" not in err
