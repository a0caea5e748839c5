"""``jurisdiction plan`` writes its output folder as one set, checked and locked before the solve.

A small county (six villages, two stations: tests/support/files.py) is planned once into a
"previous set" (about 3 s); each test copies that set and then interrupts, fills the disk,
locks or misplaces the next run, and finds the previous set byte for byte, and nothing else
next to it. The SIGTERM and Ctrl-C tests run the command in a subprocess whose GeoPackage
writer, once its temporary file is written in the staging folder, says so on stderr and waits:
the signal is sent then, in the middle of the writes, with no timing luck involved.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from jurisdiction.cli import DEMO_SCENARIO, EXIT_INPUT, EXIT_OUTPUT, commands, main
from jurisdiction.errors import ScenarioError
from jurisdiction.outputs import files as export
from jurisdiction.outputs import staging as staging_module
from jurisdiction.outputs.staging import output_set
from jurisdiction.scenario import read_scenario
from tests.support.files import county, scenario, short_data


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def county_scenario(tmp_path_factory) -> tuple[Path, Path]:
    """The scenario (its [outputs] folder outside its own folder) and a plan written with --out."""
    home = tmp_path_factory.mktemp("county")
    data = home / "data"
    data.mkdir()
    toml = scenario(data, short_data(county(data)) + '[outputs]\nfolder = "../elsewhere"\n')
    previous = home / "previous"
    assert main(["plan", str(toml), "--out", str(previous), "--quiet"]) == 0
    assert {"plan.gpkg", "metrics.json", "report.html", "plan_map.html"} <= set(contents(previous))
    return toml, previous


@pytest.fixture
def previous(county_scenario, tmp_path) -> tuple[Path, Path, dict[str, bytes]]:
    """The scenario, an output folder holding the previous set (alone in tmp_path), its contents."""
    toml, written = county_scenario
    out = tmp_path / "out"
    shutil.copytree(written, out)
    return toml, out, contents(out)


def no_solve(monkeypatch) -> None:
    """Make loading the layers fail: a test that expects a refusal before the solve."""
    def refuse(scenario):
        raise AssertionError("the layers were loaded")

    monkeypatch.setattr(commands, "load_layers", refuse)


HARNESS = """
import signal, sys, time

from jurisdiction import cli
from jurisdiction.outputs import files

write = files._write_gpkg

def stalled(plan, tmp):
    write(plan, tmp)
    print(f"writing {tmp}", file=sys.stderr, flush=True)
    time.sleep(600)  # the test's signal ends this

signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
files._write_gpkg = stalled
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_the_writes_leaves_the_previous_set_and_no_temporary_file(previous, signum, code):
    toml, out, before = previous
    with subprocess.Popen(
        [sys.executable, "-c", HARNESS, "plan", str(toml), "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    ) as process:
        line = process.stderr.readline()
        assert line.startswith("writing "), line + process.stderr.read()[-3000:]
        temporary = Path(line.removeprefix("writing ").strip())
        staging = temporary.parent
        # mid-set: the maps and the report are in staging, the GeoPackage half-way, the old set in place
        assert staging.name.startswith(".out.staging-") and temporary.name.endswith(".tmp.gpkg")
        assert temporary.exists() and (staging / "plan_map.html").exists() and (staging / "report.html").exists()
        assert (out.parent / ".out.lock").exists()
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr[-3000:]
    assert contents(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["out"]  # no staging folder, temp file or lock file


def test_a_full_disk_during_the_writes_leaves_the_previous_set(previous, monkeypatch, capsys):
    toml, out, before = previous
    write = export._write_gpkg

    def full_disk(plan, tmp):
        write(plan, tmp)  # the maps, the report and this GeoPackage are written: the disk fills up
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

    monkeypatch.setattr(export, "_write_gpkg", full_disk)
    assert main(["plan", str(toml), "--out", str(out), "--quiet"]) == EXIT_OUTPUT
    error = capsys.readouterr().err
    assert error.startswith(f"jurisdiction: {out}: cannot write the output set (No space left on device)")
    assert "the previous set is unchanged" in error and "Traceback" not in error
    assert contents(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["out"]


def test_a_second_run_into_the_same_folder_fails_at_once(previous, monkeypatch, capsys):
    toml, out, before = previous
    no_solve(monkeypatch)
    with output_set(out):  # the first run, still writing
        assert main(["plan", str(toml), "--out", str(out), "--quiet"]) == EXIT_OUTPUT
    error = capsys.readouterr().err
    assert f"{out}: another run (pid {os.getpid()}) is writing this folder" in error and "--out" in error
    assert contents(out) == before


@pytest.mark.parametrize("where", ["under a file", "read-only", "denied (simulated)", "full"])
def test_an_output_folder_that_cannot_be_written_is_refused_before_the_solve(where, county_scenario, tmp_path,
                                                                               monkeypatch, capsys):
    toml, _ = county_scenario
    out, expected = tmp_path / "ro" / "out", "ro is read-only for this user"
    if where == "under a file":
        (tmp_path / "file.txt").write_text("x", encoding="utf-8")
        out, expected = tmp_path / "file.txt" / "out", "file.txt is a file, not a folder"
    elif where == "read-only":
        if not hasattr(os, "geteuid") or os.geteuid() == 0:
            pytest.skip("root ignores permissions (the simulated case runs instead)")
        (tmp_path / "ro").mkdir(mode=0o555)
    elif where == "denied (simulated)":  # what os.access answers for a read-only folder, as root too
        (tmp_path / "ro").mkdir()
        monkeypatch.setattr(staging_module.os, "access", lambda path, mode: Path(path).name != "ro")
    else:
        out, expected = tmp_path / "out", "MB free on its disk (4398046511104 MB needed)"
        monkeypatch.setattr(staging_module, "MIN_FREE_BYTES", 2**62)
    no_solve(monkeypatch)
    try:
        assert main(["plan", str(toml), "--out", str(out), "--json"]) == EXIT_OUTPUT
    finally:
        (tmp_path / "ro").exists() and (tmp_path / "ro").chmod(0o755)
    document = json.loads(capsys.readouterr().out)
    assert document["error"].startswith(f"{out}: ") and expected in document["error"]
    assert document["exit_code"] == 7 and not out.exists()


def test_a_scenario_folder_outside_the_scenario_needs_out(county_scenario, monkeypatch, capsys):
    toml, _ = county_scenario  # with --out it was written, in the fixture
    no_solve(monkeypatch)
    assert main(["plan", str(toml), "--quiet"]) == EXIT_INPUT
    error = capsys.readouterr().err
    elsewhere = toml.parent.parent / "elsewhere"
    assert f"[outputs] folder = {elsewhere} is not inside the scenario's folder" in error
    assert f"pass --out {elsewhere}" in error and not elsewhere.exists()


def test_where_the_outputs_go(tmp_path):
    def folder(scenario_path: Path, out: Path | None = None) -> Path:
        args = argparse.Namespace(scenario=scenario_path, out=out)
        return commands.output_folder(args, read_scenario(scenario_path))

    def toml(name: str, outputs: str) -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(f'name = "t"\n[data]\nexample = "dianjiang"\n[model]\ncentres = 8\n'
                        f'[outputs]\nfolder = "{outputs}"\n', encoding="utf-8")
        return path

    assert folder(DEMO_SCENARIO) == Path("maps/dianjiang")  # `jurisdiction demo`: under the current folder
    assert folder(DEMO_SCENARIO, tmp_path / "x") == tmp_path / "x"
    assert folder(toml("inside", "out/plan")) == (tmp_path / "out" / "plan").resolve()
    with pytest.raises(ScenarioError, match="is not inside the scenario's folder"):
        folder(toml("itself", "."))  # the whole folder would be replaced
    assert folder(toml("itself", "."), tmp_path) == tmp_path  # unless --out names it


def test_isochrones_check_where_they_go_before_the_work(tmp_path, monkeypatch, capsys):
    no_solve(monkeypatch)
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    assert main(["isochrones", "--out", str(tmp_path / "file.txt" / "bands.gpkg"), "--quiet"]) == EXIT_OUTPUT
    assert "file.txt is a file, not a folder" in capsys.readouterr().err
    assert main(["isochrones", "--out", str(tmp_path), "--quiet"]) == EXIT_OUTPUT
    assert "is a folder; --out names the GeoPackage file" in capsys.readouterr().err
