"""Where the benchmarks find their instances: the shared folder next to the checkout.

The shared folder is ``$JURISDICTION_SHARED`` when set, else ``<repo>/../shared``. Benchmarks
that need instances from it call :func:`require_shared`, which exits with a one-line message
(exit code 2) naming the missing path when it is absent. Scripts run as
``python benchmarks/x.py`` have ``benchmarks/`` on ``sys.path``, so ``from shared_data import
require_shared`` works without touching the path.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

#: The checkout this file belongs to (``benchmarks/`` is one level below it).
REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The shared folder: ``$JURISDICTION_SHARED``, or ``<repo>/../shared``."""
    return Path(os.environ.get("JURISDICTION_SHARED", REPO.parent / "shared"))


def require_shared(*parts: str) -> Path:
    """The path ``parts`` under the shared folder; exits (code 2) with a clear message when absent."""
    path = shared_dir().joinpath(*parts)
    if not path.exists():
        where = ("JURISDICTION_SHARED=" + os.environ["JURISDICTION_SHARED"]
                 if "JURISDICTION_SHARED" in os.environ else f"default {REPO.parent / 'shared'}")
        below = "/".join(parts) or "the benchmark data"
        print(f"{Path(sys.argv[0]).name}: {path} is absent ({where}); "
              f"set JURISDICTION_SHARED to the shared folder that holds {below}", file=sys.stderr)
        raise SystemExit(2)
    return path


def import_shared(*parts: str) -> ModuleType:
    """Import the Python file ``parts`` under the shared folder (absent: the exit of :func:`require_shared`)."""
    path = require_shared(*parts)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
