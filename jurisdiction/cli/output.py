"""How the command line talks: progress on stderr, one JSON document with ``--json``, nothing with ``--quiet``.

Also the exit codes and the signals: SIGTERM unwinds a command like Ctrl-C (``finally`` blocks
and temporary-file clean-ups run) and exits 143.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4, 5
EXIT_VERIFY = 6  # a written plan fails jurisdiction verify
EXIT_OUTPUT = 7  # the output folder cannot be written (read-only, full, a file, another run writing it)
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM


class Progress:
    """Step messages on stderr with the time each step took."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.start = time.perf_counter()
        self.step: tuple[str, float] | None = None

    def __call__(self, message: str) -> None:
        now = time.perf_counter()
        self._close(now)
        self.step = (message, now)
        if not self.quiet:
            print(f"[{now - self.start:5.1f} s] {message} ...", file=sys.stderr, flush=True)

    def done(self) -> None:
        self._close(time.perf_counter())
        self.step = None

    def search(self, state: Any) -> None:
        """One line on the optimiser's state (a :class:`~jurisdiction.optimise.progress.SearchState`)."""
        if self.quiet:
            return
        figures = [f"best {_figure(state.objective)}" if math.isfinite(state.objective) else "no plan yet"]
        if math.isfinite(state.bound):
            figures.append(f"bound {_figure(state.bound)}")
        if math.isfinite(state.gap):
            figures.append(f"gap {100 * state.gap:.2f} %")
        now = time.perf_counter() - self.start
        print(f"[{now:5.1f} s]   {state.stage} ({state.seconds:.0f} s): {', '.join(figures)}",
              file=sys.stderr, flush=True)

    def _close(self, now: float) -> None:
        if self.step and not self.quiet and now - self.step[1] > 1.0:
            print(f"         {self.step[0]}: {now - self.step[1]:.1f} s", file=sys.stderr, flush=True)


def _figure(value: float) -> str:
    """A number for a progress line: whole with thousands separators when large, else 4 digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


class Terminated(SystemExit):
    """Raised by the SIGTERM handler: unwinds the stack like Ctrl-C, then exits 143."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated(EXIT_TERMINATED)


@contextlib.contextmanager
def sigterm_exits() -> Iterator[None]:
    """Make SIGTERM raise :class:`Terminated` while the command runs; restore the old handler."""
    if threading.current_thread() is not threading.main_thread():  # signal.signal would refuse
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


@contextlib.contextmanager
def guard_output(args: argparse.Namespace) -> Iterator[None]:
    """Keep the terminal clean with ``--json`` and ``--quiet`` while a command runs.

    Python warnings and log records (WARNING and above) are collected in ``args.warnings``
    instead of being printed: the JSON document carries them, ``--quiet`` drops them. With
    ``--json``, anything written to stdout meanwhile goes to stderr (see :func:`_stdout_to_stderr`).
    Without either flag, nothing changes.
    """
    args.warnings = []
    if not (args.json or args.quiet):
        yield
        return
    with (
        warnings.catch_warnings(),
        _log_records(args.warnings),
        _stdout_to_stderr() if args.json else contextlib.nullcontext(),
    ):
        warnings.showwarning = lambda text, kind, *_: _note(args.warnings, f"{kind.__name__}: {text}")
        yield


def _note(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


class _Collect(logging.Handler):
    """A logging handler that notes each record's message in a list."""

    def __init__(self, notes: list[str]):
        super().__init__(logging.WARNING)
        self.notes = notes

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in a library's log call
            message = str(record.msg)
        _note(self.notes, f"{record.levelname} ({record.name}): {message}")


@contextlib.contextmanager
def _log_records(notes: list[str]) -> Iterator[None]:
    """Note log records in ``notes`` instead of printing them (root handler and last resort)."""
    handler, root = _Collect(notes), logging.getLogger()
    root.addHandler(handler)
    last_resort, logging.lastResort = logging.lastResort, handler
    try:
        yield
    finally:
        root.removeHandler(handler)
        logging.lastResort = last_resort


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send stdout to stderr, at the file-descriptor level too (C libraries, child processes).

    A solver's banner or the log asked for with ``--solver-log`` then cannot corrupt the JSON
    document, which is printed after this context has restored stdout.
    """
    sys.stdout.flush()
    try:
        saved: int | None = os.dup(1)
    except OSError:  # no file descriptor 1 (e.g. a GUI launcher): Python-level only
        saved = None
    try:
        if saved is not None:
            os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        _flush_c_stdio()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


def _flush_c_stdio() -> None:
    """Flush the C library's stdio buffers, which may hold text a C extension printed."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library to load (Windows)
        pass


def fail(args: argparse.Namespace, code: int, message: str) -> int:
    """Report a failure, as the JSON document with ``--json``, else on stderr; returns ``code``."""
    if args.json:
        document = {"ok": False, "exit_code": code, "command": args.command, "error": message}
        emit({**document, "warnings": args.warnings})
    else:
        print(f"jurisdiction: {printable(message)}", file=sys.stderr)
    return code


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1 controls but tab and newline


def printable(text: str) -> str:
    """``text`` without control characters (data-derived names could move the cursor or recolour)."""
    return _CONTROL.sub("", text)


def emit(document: dict[str, Any]) -> None:
    """Print ``document`` on stdout as strict JSON (NaN and infinities become null).

    UTF-8 as is; ASCII escapes where stdout cannot encode it (a C or cp1252 locale).
    """
    data = jsonable(document)
    try:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    except UnicodeEncodeError:  # the stream encodes the whole text first: nothing was written
        sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data.

    numpy and pandas values are unwrapped; NaN, infinities and missing values become ``None``;
    dates become ISO strings, anything else its ``str``.
    """
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas.NA, pandas.NaT
        return None
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return jsonable(value.tolist())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
