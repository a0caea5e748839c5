"""The output folder written as one set (:func:`jurisdiction.outputs.output_set`), in process.

Staging next to the folder, the swap (other files kept, permissions kept, a symbolic link
followed), the previous set intact after an error or a swap cut between its renames, the
recovery of a killed run's leftovers, the lock, the checks before any work, and the
GeoPackage's temporary file and journal removed when a write fails.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import sys
from pathlib import Path

import pytest

from jurisdiction.errors import OutputError
from jurisdiction.outputs import files as export
from jurisdiction.outputs import staging as staging_module
from jurisdiction.outputs.files import export_plan
from jurisdiction.outputs.staging import check_folder, output_set
from tests.support.plans import make_plan


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def previous_set(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("old report", encoding="utf-8")
    (folder / "plan.gpkg").write_bytes(b"old geopackage")
    return contents(folder)


def test_the_new_set_replaces_the_old_and_other_files_are_kept(tmp_path):
    out = tmp_path / "out"
    previous_set(out)
    (out / "notes.txt").write_text("a user's notes", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub" / "kept.txt").write_text("kept", encoding="utf-8")
    out.chmod(0o750)
    with output_set(out) as staging:
        assert staging.parent == out.parent and staging.name.startswith(".out.staging-") and staging.is_absolute()
        assert list(staging.iterdir()) == []
        (staging / "report.html").write_text("new report", encoding="utf-8")
        assert (out / "report.html").read_text(encoding="utf-8") == "old report"  # until the swap
    assert contents(out) == {"report.html": b"new report", "plan.gpkg": b"old geopackage",
                             "notes.txt": b"a user's notes", "sub/kept.txt": b"kept"}
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging, old folder or lock file


def test_a_new_folder_and_its_parents_are_created(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    with output_set(out) as staging:
        (staging / "report.html").write_text("new", encoding="utf-8")
    assert contents(out) == {"report.html": b"new"}
    assert [p.name for p in out.parent.iterdir()] == ["out"]


def test_an_error_leaves_the_previous_set_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    before = previous_set(out)
    with pytest.raises(RuntimeError, match="boom"), output_set(out) as staging:
        (staging / "report.html").write_text("half of a new set", encoding="utf-8")
        raise RuntimeError("boom")
    assert contents(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failed_first_run_removes_the_parents_it_made(tmp_path):
    with pytest.raises(KeyboardInterrupt), output_set(tmp_path / "a" / "b" / "out"):
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_an_output_error_and_the_previous_set_stays(tmp_path):
    out = tmp_path / "out"
    before = previous_set(out)
    with pytest.raises(OutputError, match="No space left on device.*previous set is unchanged"):
        with output_set(out) as staging:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(staging / "plan.gpkg"))
    assert contents(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_denied_write_in_the_set_is_an_output_error_but_a_denied_input_is_not(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="Permission denied"), output_set(out) as staging:
        raise PermissionError(errno.EACCES, "Permission denied", str(staging / "plan.gpkg"))
    with pytest.raises(PermissionError), output_set(out):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "outline.gpkg"))  # an input
    assert list(tmp_path.iterdir()) == []


def test_a_swap_cut_between_its_renames_puts_the_old_set_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    before = previous_set(out)
    rename, calls = os.rename, []

    def second_fails(source, destination):
        calls.append(Path(destination).name)
        if len(calls) == 2:
            raise OSError(errno.EIO, "cut")
        rename(source, destination)

    monkeypatch.setattr(staging_module.os, "rename", second_fails)
    with pytest.raises(OSError, match="cut"), output_set(out) as staging:
        (staging / "report.html").write_text("new", encoding="utf-8")
    assert calls[0].startswith(".out.old-") and calls[1] == "out"
    assert contents(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_signal_during_the_swap_waits_for_both_renames(tmp_path, monkeypatch):
    out = tmp_path / "out"
    previous_set(out)
    rename = os.rename

    class Stop(Exception):
        pass

    def stop(signum, frame):
        raise Stop

    def signalled(source, destination):
        os.kill(os.getpid(), signal.SIGTERM)  # held back until both renames are done
        rename(source, destination)

    previous_handler = signal.signal(signal.SIGTERM, stop)
    monkeypatch.setattr(staging_module.os, "rename", signalled)
    try:
        with pytest.raises(Stop), output_set(out) as staging:
            (staging / "report.html").write_text("new", encoding="utf-8")
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    assert (out / "report.html").read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # the old set removed all the same


def test_the_leftovers_of_a_killed_run_are_recovered(tmp_path):
    """A run killed between the renames left only ``.out.old-…``; another left its staging."""
    out = tmp_path / "out"
    before = previous_set(out)
    out.rename(tmp_path / ".out.old-4242-0123abcd")
    (tmp_path / ".out.staging-4243-89abcdef").mkdir()
    (tmp_path / ".out.staging-4243-89abcdef" / "plan_map.html").write_text("half", encoding="utf-8")
    (tmp_path / "out.old-1").mkdir()  # another folder whose name looks alike: not touched
    with pytest.raises(RuntimeError), output_set(out):
        assert contents(out) == before  # put back before anything else
        raise RuntimeError
    assert contents(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "out.old-1"]


def test_a_symbolic_link_to_the_folder_is_followed_and_kept(tmp_path):
    real = tmp_path / "real"
    previous_set(real)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    with output_set(link) as staging:
        assert staging.parent == tmp_path
        (staging / "report.html").write_text("new", encoding="utf-8")
    assert link.is_symlink() and (link / "report.html").read_text(encoding="utf-8") == "new"
    assert (real / "report.html").read_text(encoding="utf-8") == "new"


def test_a_second_writer_of_the_same_folder_is_refused_at_once(tmp_path):
    out = tmp_path / "out"
    with output_set(out):
        with pytest.raises(OutputError, match=rf"out: another run \(pid {os.getpid()}\) is writing"), \
                output_set(out):
            pass
        assert (tmp_path / ".out.lock").read_text(encoding="ascii") == f"{os.getpid()}\n"
    with output_set(out):  # free again
        pass
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_disk_or_the_home_folder_is_never_replaced(tmp_path, monkeypatch):
    with pytest.raises(OutputError, match="is a whole disk or the home folder"), output_set("/"):
        pass
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(OutputError, match="choose a folder inside it"), output_set(tmp_path):
        pass


def test_a_folder_that_is_a_file_or_under_a_file_is_refused(tmp_path):
    file = tmp_path / "file.txt"
    file.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="file.txt: is a file, not a folder"), output_set(file):
        pass
    with pytest.raises(OutputError, match=r"file.txt/out/x: cannot be created: .*file.txt is a file"):
        check_folder(file / "out" / "x")
    with pytest.raises(OutputError, match="only .* MB free"):
        check_folder(tmp_path, min_free_bytes=2**62)
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores permissions")
def test_a_read_only_parent_is_refused(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="ro/out: cannot be written: .*ro is read-only"):
            check_folder(parent / "out")
    finally:
        parent.chmod(0o755)


def test_a_failed_geopackage_write_leaves_no_temporary_file_or_journal(tmp_path, monkeypatch):
    """export_plan alone (a Python caller) stays all or nothing, SQLite's journal included."""
    out = tmp_path / "out"
    before = previous_set(out)
    write = export._write_gpkg

    def full_disk(plan, tmp):
        write(plan, tmp)
        tmp.with_name(tmp.name + "-journal").write_bytes(b"journal")  # as SQLite leaves it when cut
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

    monkeypatch.setattr(export, "_write_gpkg", full_disk)
    with pytest.raises(OSError, match="No space left"):
        export_plan(make_plan(), out)
    assert contents(out) == before
