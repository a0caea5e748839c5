"""``jurisdiction posts SCENARIO.toml --minutes 1,3,5 (--k 10 | --cover-all)``: where to put posts.

Writes ``posts.gpkg``, ``coverage.csv`` and ``posts_map.html`` into ``--out`` (default
``./maps/<scenario name>/posts``) and prints the coverage table (with ``--json``: as records).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from jurisdiction.cli.commands import OUTPUTS, load_layers, scenario_of
from jurisdiction.cli.output import Progress, printable
from jurisdiction.errors import ScenarioError

#: Columns of the coverage table printed on the terminal.
SHOWN = ["run", "posts", "weight_covered", "weight_total", "share", "villages_uncovered", "status", "gap",
         "seconds"]
#: Their headings in Chinese (the scenario's language decides).
SHOWN_ZH = {"run": "方案", "posts": "警务室数", "weight_covered": "覆盖", "weight_total": "合计", "share": "覆盖率",
            "villages_uncovered": "未覆盖村数", "status": "求解状态", "gap": "差距", "seconds": "秒"}


def minutes_list(text: str) -> list[float]:
    """``"1,3,5"`` -> [1.0, 3.0, 5.0]; ScenarioError naming ``--minutes`` otherwise."""
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ScenarioError(f"--minutes: expected minutes separated by commas, got {text!r}") from None


def counts_list(text: str) -> list[int]:
    """``"10"``, ``"5,10,20"`` or a range ``"5:20"`` -> the numbers of posts; ScenarioError naming ``--k``."""
    try:
        if ":" in text:
            low, high = (int(part) for part in text.split(":"))
            if low > high:
                raise ValueError
            return list(range(low, high + 1))
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ScenarioError(f"--k: expected a number of posts, numbers separated by commas or a range "
                            f"LOW:HIGH, got {text!r}") from None


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """The ``posts`` subcommand and its flags."""
    posts = sub.add_parser("posts", parents=parents,
                           help="choose posts / patrol points covering villages within t minutes")
    posts.add_argument("scenario", type=Path, help="scenario TOML naming the data (roads, speeds, solver)")
    posts.add_argument("--minutes", required=True, help="response times t in minutes, comma-separated (e.g. 1,3,5)")
    count = posts.add_mutually_exclusive_group(required=True)
    count.add_argument("--k", default=None, help="number of posts (max covering): 10, 5,10,20 or 5:20")
    count.add_argument("--cover-all", action="store_true",
                       help="the fewest posts with every village within t (set covering)")
    posts.add_argument("--sites", default="nodes",
                       help="candidate sites: 'nodes' (road junctions, the default) or a points file with site_id")
    posts.add_argument("--site-spacing-m", type=float, default=200.0, metavar="METRES",
                       help="with --sites nodes: at most one site per square of this side (default 200)")
    posts.add_argument("--weight", choices=("population", "incidents"), default=None,
                       help="what is covered (default: the scenario's weight)")
    posts.add_argument("--no-catchments", action="store_true",
                       help="skip each post's t-minute catchment (faster; the map then shows posts and villages)")
    posts.add_argument("--out", type=Path, default=None, help="output folder (default ./maps/<name>/posts)")
    posts.set_defaults(run=run_posts)


def run_posts(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    from jurisdiction.outputs.post_maps import posts_map
    from jurisdiction.outputs.post_tables import export_posts
    from jurisdiction.patrol import place_posts

    minutes = minutes_list(args.minutes)
    counts = None if args.cover_all else counts_list(args.k)
    scenario = scenario_of(args)
    if args.solver_log:
        scenario = scenario.with_(log=True)
    folder = args.out or OUTPUTS / scenario.name / "posts"
    progress("loading the layers")
    layers, attribution = load_layers(scenario)
    sites = args.sites if args.sites == "nodes" else Path(args.sites)
    placement = place_posts(layers["villages"], layers["roads"], scenario, minutes=minutes, k=counts,
                            cover_all=args.cover_all, sites=sites, site_spacing_m=args.site_spacing_m,
                            weight=args.weight, catchments=not args.no_catchments, attribution=attribution,
                            progress=progress)
    progress("writing the map and files")
    files = {**export_posts(placement, folder),
             "map": posts_map(placement, folder / "posts_map.html", language=scenario.language)}
    progress.done()
    if not args.quiet and not args.json:
        formats = {"weight_covered": "{:,.0f}".format, "weight_total": "{:,.0f}".format,
                   "share": "{:.1%}".format, "gap": "{:.2%}".format, "seconds": "{:.1f}".format}
        zh = scenario.language == "zh"
        shown = placement.coverage[SHOWN]
        table = (shown.rename(columns=SHOWN_ZH) if zh else shown).to_string(
            index=False, formatters={SHOWN_ZH[k] if zh else k: f for k, f in formats.items()})
        head = (f"{len(placement.sites)} 个候选点位；权重：{placement.weight}" if zh
                else f"{len(placement.sites)} candidate sites; weight: {placement.weight}")
        print(printable(f"{head}\n{table}"))
        print("\n已写入：" if zh else "\nWritten:")
        for name, path in files.items():
            print(printable(f"  {name:9s} {path}"))
    return {
        "scenario": scenario.name,
        "files": {k: str(v) for k, v in files.items()},
        "sites": len(placement.sites),
        "coverage": placement.coverage.to_dict(orient="records"),
        "posts": placement.posts.drop(columns="geometry").to_dict(orient="records"),
    }
