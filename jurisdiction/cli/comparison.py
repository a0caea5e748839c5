"""``jurisdiction compare A/ B/ [C/ ...]``: written plans side by side, in one HTML page.

Each folder is read as :func:`jurisdiction.verify_plan` reads it (``plan.gpkg`` and
``metrics.json``, :func:`jurisdiction.verification.folder.plan_files`); the page comes from
:mod:`jurisdiction.outputs.comparison`. With ``--json`` the key figures and the changed villages
are printed as JSON.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from jurisdiction.cli.output import Progress, printable

#: The page's file name when ``--out`` is a folder.
PAGE = "compare.html"


def _plain(value: Any) -> Any:
    """A JSON-safe number: NaN and infinity as None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value.item() if hasattr(value, "item") else value


def run_compare(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    from jurisdiction.outputs.comparison import WrittenPlan, changed_villages, comparison_page, key_figures
    from jurisdiction.outputs.files import atomic_write_text
    from jurisdiction.verification.folder import plan_files

    plans = []
    labels: dict[str, int] = {}
    for folder in args.folders:
        progress(f"reading {folder}")
        document, layers = plan_files(folder)
        label = Path(folder).resolve().name or str(folder)
        labels[label] = labels.get(label, 0) + 1
        label = label if labels[label] == 1 else f"{label} ({labels[label]})"
        plans.append(WrittenPlan(label, document, layers["villages"], layers["stations"]))
    figures = key_figures(plans)
    changes = changed_villages(plans)
    out = args.out if args.out is not None else Path.cwd()
    page = out if out.suffix.lower() in (".html", ".htm") else out / PAGE
    page.parent.mkdir(parents=True, exist_ok=True)
    progress(f"writing {page}")
    atomic_write_text(page, comparison_page(plans, figures=figures, changes=changes))
    progress.done()
    rows = [{"metric": metric, **{k: _plain(v) for k, v in row.items()}, "better": int(row["better"])}
            for metric, row in figures.iterrows()]
    moved = [{k: _plain(v) for k, v in record.items()} for record in changes.to_dict(orient="records")]
    if not args.quiet and not args.json:
        print(printable(figures.drop(columns="better").to_string(float_format=lambda v: f"{v:,.2f}")))
        print(f"\n{len(changes)} village(s) changed district:")
        for record in moved:
            path = " -> ".join(f"{record[f'{p.label} name']} ({record[p.label]})" for p in plans)
            print(printable(f"  {record['name']} ({record['village_id']}): {path}"))
        print(printable(f"\nWritten: {page}"))
    return {"page": str(page), "plans": [p.label for p in plans], "figures": rows, "changes": moved}
