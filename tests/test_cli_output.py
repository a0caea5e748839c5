"""The command line's output contract, checked on the installed ``jurisdiction`` script.

``--json`` prints exactly one strict JSON document on stdout (no NaN or Infinity) for every
command, on success and on every failure, and nothing on stderr; ``--quiet`` prints nothing on
success. Every test runs a subprocess and parses its stdout. The demo runs twice (about 5 s
each), in module-scoped fixtures; the other commands run once each.

A harness (``python -c``) swaps ``diagnose`` for a fake command that warns, logs, prints, writes
to file descriptor 1 as a C library would, returns NaN and numpy values, raises or waits for a
signal: it checks the capture of warnings, the strict encoding and the exit codes 1, 130 and 143
without a model to solve.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = shutil.which("jurisdiction", path=str(Path(sys.executable).parent)) or shutil.which("jurisdiction")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the console script with ``args``; stdout and stderr captured as UTF-8 text."""
    assert SCRIPT, "the jurisdiction console script is not installed"
    return subprocess.run(
        [SCRIPT, *args], capture_output=True, text=True, encoding="utf-8", cwd=cwd, timeout=600
    )


def strict_json(text: str) -> dict[str, Any]:
    """``text`` parsed as exactly one JSON document; NaN and Infinity are refused, as jq does."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    document = json.loads(text, parse_constant=refuse)
    assert isinstance(document, dict)
    return document


def failure(result: subprocess.CompletedProcess[str], code: int) -> dict[str, Any]:
    """The JSON document of a run that failed with ``code``, checked for the common fields."""
    assert result.returncode == code, result.stderr[-3000:]
    document = strict_json(result.stdout)
    assert document["ok"] is False and document["exit_code"] == code
    assert isinstance(document["error"], str) and document["error"]
    return document


@pytest.fixture(scope="module")
def demo_json(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("demo_json")
    return run("demo", "--json", "--out", str(out), cwd=out), out


@pytest.fixture(scope="module")
def demo_quiet(tmp_path_factory) -> subprocess.CompletedProcess[str]:
    out = tmp_path_factory.mktemp("demo_quiet")
    return run("demo", "--quiet", "--out", str(out), cwd=out)


def test_demo_json_is_one_strict_document(demo_json):
    result, out = demo_json
    assert result.returncode == 0, result.stderr[-3000:]
    document = strict_json(result.stdout)
    assert document["ok"] is True and document["exit_code"] == 0 and document["command"] == "demo"
    assert document["solver"]["status"] == "optimal"
    assert document["files"] and all(Path(path).parent == out for path in document["files"].values())
    assert len(document["bundles"]) == 9 and isinstance(document["warnings"], list)
    assert result.stderr == ""


def test_demo_quiet_prints_nothing(demo_quiet):
    assert demo_quiet.returncode == 0
    assert (demo_quiet.stdout, demo_quiet.stderr) == ("", "")


def test_plan_json_on_an_infeasible_scenario_exits_4(tmp_path):
    scenario = tmp_path / "tight.toml"
    scenario.write_text(  # no village is within 1 minute of a station
        'name = "tight"\n[data]\nexample = "dianjiang"\n[model]\ncentres = 8\nlimit = 1\n', encoding="utf-8"
    )
    result = run("plan", str(scenario), "--json", "--out", str(tmp_path / "out"), cwd=tmp_path)
    document = failure(result, 4)
    assert "infeasible" in document["error"] and "within 1 min" in document["error"]
    assert document["command"] == "plan" and result.stderr == ""
    assert not (tmp_path / "out").exists()


def test_plan_json_on_a_missing_file_exits_3(tmp_path):
    result = run("plan", str(tmp_path / "missing.toml"), "--json", cwd=tmp_path)
    assert "missing.toml" in failure(result, 3)["error"]
    assert result.stderr == ""


@pytest.mark.parametrize(
    "argv",
    [["frobnicate", "--json"], ["demo", "--bogus", "--json"], ["demo", "--js", "--out"]],  # --js: abbreviated
)
def test_a_bad_command_line_with_json_exits_2(argv, tmp_path):
    result = run(*argv, cwd=tmp_path)
    assert "error" in failure(result, 2)["error"]
    assert result.stderr == ""  # argparse's usage text is not printed


def test_help_with_json_is_a_document(tmp_path):
    result = run("plan", "--help", "--json", cwd=tmp_path)
    assert result.returncode == 0
    document = strict_json(result.stdout)
    assert document["ok"] is True and "--solver-log" in document["help"]


def test_diagnose_json(tmp_path):
    result = run("diagnose", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    document = strict_json(result.stdout)
    assert document["ok"] is True and document["command"] == "diagnose"
    assert document["summary"] and document["functional_splits"]
    assert result.stderr == ""


def test_isochrones_json(tmp_path):
    out = tmp_path / "bands.gpkg"
    result = run("isochrones", "--json", "--minutes", "5,10", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    document = strict_json(result.stdout)
    assert document["ok"] is True and document["bands"] > 0 and Path(document["file"]) == out
    assert out.stat().st_size > 0 and result.stderr == ""


# The fake command's behaviour is chosen by JURISDICTION_FAKE: "noisy" (the default), "raise" or
# "wait" (print "ready" on stderr, sleep, and note in the file JURISDICTION_CLEANED that its
# finally block ran).
HARNESS = """
import logging, os, signal, sys, time, warnings
from pathlib import Path

import numpy as np

from jurisdiction import cli

def fake(args, progress):
    behaviour = os.environ.get("JURISDICTION_FAKE", "noisy")
    if behaviour == "wait":
        try:
            print("ready", file=sys.stderr, flush=True)
            time.sleep(60)
        finally:
            Path(os.environ["JURISDICTION_CLEANED"]).write_text("cleaned")
    warnings.warn("a library warning", UserWarning)
    logging.getLogger("some.library").warning("a library log record")
    print("a stray print")
    os.write(1, b"a C library banner\\n")
    if behaviour == "raise":
        raise RuntimeError("boom")
    return {"gap": float("nan"), "bound": np.inf, "count": np.int64(3), "values": np.array([1.0, np.nan])}

signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
cli.commands.run_diagnose = fake
sys.exit(cli.main(sys.argv[1:]))
"""


def fake(*args: str, behaviour: str = "noisy") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JURISDICTION_FAKE": behaviour}
    return subprocess.run(
        [sys.executable, "-c", HARNESS, "diagnose", *args],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=120,
    )


def test_json_carries_warnings_and_nulls_and_keeps_stray_output_off_stdout():
    result = fake("--json")
    assert result.returncode == 0, result.stderr[-3000:]
    document = strict_json(result.stdout)
    assert document["gap"] is None and document["bound"] is None
    assert document["count"] == 3 and document["values"] == [1.0, None]
    assert document["warnings"] == [
        "UserWarning: a library warning",
        "WARNING (some.library): a library log record",
    ]
    assert result.stderr == "a stray print\na C library banner\n"


def test_quiet_drops_warnings_and_normal_mode_shows_them():
    quiet = fake("--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""
    normal = fake()
    assert normal.returncode == 0
    assert "a library warning" in normal.stderr and "a library log record" in normal.stderr


def test_an_unexpected_error_exits_1_with_its_message():
    document = failure(fake("--json", behaviour="raise"), 1)
    assert document["error"] == "unexpected error: RuntimeError: boom"
    plain = fake(behaviour="raise")
    assert plain.returncode == 1 and plain.stdout == "a stray print\na C library banner\n"
    assert "Traceback" in plain.stderr
    assert plain.stderr.endswith("jurisdiction: unexpected error: RuntimeError: boom\n")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_unwinds_and_exits_with_its_code(signum, code, tmp_path):
    cleaned = tmp_path / "cleaned"
    env = {**os.environ, "JURISDICTION_FAKE": "wait", "JURISDICTION_CLEANED": str(cleaned)}
    with subprocess.Popen(
        [sys.executable, "-c", HARNESS, "diagnose", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env,
    ) as process:
        assert process.stderr.readline() == "ready\n"
        process.send_signal(signum)
        stdout, _ = process.communicate(timeout=60)
    assert process.returncode == code
    document = strict_json(stdout)
    assert document["ok"] is False and document["exit_code"] == code
    assert cleaned.read_text() == "cleaned"  # the command's finally block ran
