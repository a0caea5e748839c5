"""Posts on Futian: the strong covering form of ``choose_posts`` against the plain districting form.

Usage: ``python benchmarks/posts.py [--minutes 1,3,5] [--k 1,5,10] [--limit-s 60]``.

Both solve the optimiser's ``max-covering`` model on the same travel-time matrix (265 junction
sites at 200 m, 40 communities). The plain form gives every site-village pair (a village may be
assigned to any site, covered or not); ``choose_posts`` keeps the pairs within t and one "beyond t"
column (:mod:`jurisdiction.optimise.covering`). Prints seconds, status and the covered population
(recomputed from the matrix) of each, and the ratio plain / strong; both must cover the same
population whenever both are proven optimal.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from jurisdiction.errors import NoSolutionError
from jurisdiction.inputs.example import example_scenario, load_example
from jurisdiction.network.graph import road_graph
from jurisdiction.network.sites import road_sites
from jurisdiction.network.travel import travel_time_matrix
from jurisdiction.optimise.covering import choose_posts
from jurisdiction.optimise.engine import solve
from jurisdiction.optimise.instance import Instance, Options
from jurisdiction.scenario.document import read_scenario


def futian_matrix() -> tuple[np.ndarray, np.ndarray]:
    example = load_example("futian")
    scenario = read_scenario(example_scenario("futian"))
    graph = road_graph(example.roads, speeds=scenario.speeds or None)
    sites = road_sites(graph, site_spacing_m=200.0).rename(columns={"site_id": "station_id"})
    times = travel_time_matrix(graph, example.villages, sites, access_speed_kph=scenario.access_speed)
    return times.to_numpy(), example.villages["population"].to_numpy(float)


def covered(times: np.ndarray, weights: np.ndarray, posts: np.ndarray, t: float) -> float:
    return float(weights[(times[:, posts] <= t + 1e-9).any(axis=1)].sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", default="1,3,5")
    parser.add_argument("--k", default="1,5,10")
    parser.add_argument("--limit-s", type=float, default=60.0, help="time limit of each solve, seconds")
    args = parser.parse_args()
    times, weights = futian_matrix()
    settings = Options(time_limit=args.limit_s, gap=1e-6)
    print(f"{times.shape[1]} sites x {times.shape[0]} villages; time limit {args.limit_s:g} s per solve\n")
    print(f"{'t':>4} {'k':>3} | {'plain s':>8} {'status':>9} {'covered':>9} | {'strong s':>8} {'status':>9} "
          f"{'covered':>9} | ratio")
    for t in (float(m) for m in args.minutes.split(",")):
        for k in (int(v) for v in args.k.split(",")):
            start = time.perf_counter()
            try:
                options = replace(settings, model="max-covering", centres=k, limit=t)
                plain = solve(Instance(times=times, weights=weights), options)
                plain_status, plain_cover = plain.status, covered(times, weights, plain.centres, t)
            except NoSolutionError:
                plain_status, plain_cover = "none", float("nan")
            plain_s = time.perf_counter() - start
            (strong,) = choose_posts(times, weights, t, k=k, settings=settings)
            strong_cover = covered(times, weights, strong.posts, t)
            if plain_status == strong.solution.status == "optimal":
                assert abs(plain_cover - strong_cover) < 1e-6, (t, k, plain_cover, strong_cover)
            print(f"{t:>4g} {k:>3} | {plain_s:>8.1f} {plain_status:>9} {plain_cover:>9,.0f} | {strong.seconds:>8.1f} "
                  f"{strong.solution.status:>9} {strong_cover:>9,.0f} | {plain_s / strong.seconds:5.1f}")


if __name__ == "__main__":
    main()
