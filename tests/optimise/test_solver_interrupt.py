"""SIGTERM during a CBC solve: the command exits 143, ends the CBC child and removes its files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")

# p-center with a tight balance: CBC works on it for minutes, so the signal always finds it running.
HARD = """
name = "hard"
[data]
example = "dianjiang"
[model]
objective = "p-center"
centres = 14
weight = "population"
balance = 0.05
[solver]
name = "cbc"
time_limit = 300
gap = 0.0
"""


def _processes_mentioning(text: str) -> list[int]:
    """Pids of the processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


def _console_script() -> str:
    script = Path(sys.executable).with_name("jurisdiction")
    return str(script) if script.exists() else shutil.which("jurisdiction")


def test_sigterm_ends_the_cbc_child_and_removes_its_files(tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    scenario = tmp_path / "hard.toml"
    scenario.write_text(HARD, encoding="utf-8")
    env = {**os.environ, "TMPDIR": str(temp)}
    run = subprocess.Popen([_console_script(), "plan", str(scenario), "--out", str(tmp_path / "out"), "--quiet"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not [p for p in _processes_mentioning(str(temp)) if p != run.pid]:
            assert run.poll() is None, f"the plan ended before CBC started: {run.communicate()}"
            assert time.monotonic() < deadline, "CBC did not start within 120 s"
            time.sleep(0.2)
        assert list(temp.iterdir()), "CBC's files are in the run's temporary folder"
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 143, err.decode(errors="replace")
    assert b"terminated" in err
    assert _processes_mentioning(str(temp)) == [], "a CBC child outlived the command"
    assert list(temp.iterdir()) == [], "temporary files were left behind"
