"""Benchmark the travel-time matrix (scipy CSR Dijkstra) against networkx on generated road graphs.

Run from the repository root::

    /work/venv/bin/python benchmarks/travel_times.py                      # ~10k, 100k, 1M edges
    /work/venv/bin/python benchmarks/travel_times.py --sizes 10000 100000 --stations 30
    /work/venv/bin/python benchmarks/travel_times.py --quick              # 10k and 100k edges only

Each graph is a jittered square grid of two-way roads of mixed classes (a tenth one-way), with
about the requested number of directed edges, built directly as a projected
:class:`networkx.MultiDiGraph` with ``travel_time`` in minutes. Stations and villages are
points on random nodes (no access leg). Columns:

- ``graph s``: generating the networkx graph (not part of either method);
- ``build s``: :func:`jurisdiction.network.arrays.graph_arrays` (CSR matrices + strongly connected
  components), done once per graph;
- ``matrix s``: :func:`jurisdiction.network.travel.travel_time_matrix` (snapping + one Dijkstra per
  station, unbounded);
- ``peak MB``: peak resident memory during build + matrix, above the level before it;
- ``networkx s``: ``nx.single_source_dijkstra_path_length`` per station, as osmnx users do
  it; marked ``*`` when timed on a sample of stations and extrapolated linearly;
- ``ours cpu`` and ``nx cpu``: process CPU seconds of (build + matrix) and of networkx, which
  other jobs on a shared machine disturb less than wall time;
- ``x``: networkx CPU / (build + matrix) CPU; ``x matrix``: networkx CPU / matrix CPU;
  ``max diff``: the largest absolute difference in minutes between the two (on the stations
  networkx ran).

Targets: >= 20x faster than networkx from 100k edges; 1M edges x 300 stations under 60 s.
"""

from __future__ import annotations

import argparse
import resource
import time

import geopandas as gpd
import networkx as nx
import numpy as np

from jurisdiction.network.arrays import graph_arrays
from jurisdiction.network.travel import travel_time_matrix
from jurisdiction.road_classes import DEFAULT_SPEEDS_KPH

CRS = "EPSG:32648"
CLASSES = np.array(["national", "provincial", "county", "township", "village", "village", "track"])


def generated_graph(edges: int, seed: int) -> nx.MultiDiGraph:
    """A jittered grid with about ``edges`` directed edges (two per road, one for one-way roads)."""
    rng = np.random.default_rng(seed)
    side = max(3, int(round(np.sqrt(edges / 3.8))))
    ids = np.arange(side * side).reshape(side, side)
    xy = np.stack(np.meshgrid(np.arange(side), np.arange(side), indexing="ij"), -1).reshape(-1, 2) * 400.0
    xy = xy + rng.uniform(-120, 120, xy.shape) + (500_000.0, 3_300_000.0)
    u = np.r_[ids[:-1, :].ravel(), ids[:, :-1].ravel()]
    v = np.r_[ids[1:, :].ravel(), ids[:, 1:].ravel()]
    length = np.linalg.norm(xy[u] - xy[v], axis=1) * rng.uniform(1.0, 1.3, len(u))
    road_class = CLASSES[rng.integers(0, len(CLASSES), len(u))]
    speed = np.array([DEFAULT_SPEEDS_KPH[c] for c in road_class])
    minutes = length / 1000.0 / speed * 60.0
    one_way = rng.random(len(u)) < 0.1
    graph = nx.MultiDiGraph(crs=CRS)
    graph.add_nodes_from((i, {"x": x, "y": y}) for i, (x, y) in enumerate(xy))
    forward = zip(u.tolist(), v.tolist(), length.tolist(), road_class.tolist(), minutes.tolist())
    graph.add_edges_from((a, b, {"length": m, "road_class": c, "travel_time": t}) for a, b, m, c, t in forward)
    back = ~one_way
    backward = zip(v[back].tolist(), u[back].tolist(), length[back].tolist(), road_class[back].tolist(),
                   minutes[back].tolist())
    graph.add_edges_from((a, b, {"length": m, "road_class": c, "travel_time": t}) for a, b, m, c, t in backward)
    return graph


def places(xy: np.ndarray, nodes: np.ndarray, id_column: str, prefix: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({id_column: [f"{prefix}{i}" for i in range(len(nodes))]},
                            geometry=gpd.points_from_xy(xy[nodes, 0], xy[nodes, 1]), crs=CRS)


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM (peak RSS) on Linux
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(edges: int, station_counts: list[int], villages: int, nx_budget: float, nx_sample: int, seed: int) -> None:
    t0 = time.perf_counter()
    graph = generated_graph(edges, seed)
    graph_s = time.perf_counter() - t0
    rng = np.random.default_rng(seed + 1)
    for n_stations in station_counts:
        _reset_peak()
        before = _rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        arrays = graph_arrays(graph)
        build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
        main = np.flatnonzero(arrays.main)
        village_nodes = rng.choice(main, min(villages, len(main)), replace=False)
        station_nodes = rng.choice(main, n_stations, replace=False)
        village_layer = places(arrays.xy, village_nodes, "village_id", "v")
        station_layer = places(arrays.xy, station_nodes, "station_id", "s")
        t0, c0 = time.perf_counter(), time.process_time()
        matrix = travel_time_matrix(arrays, village_layer, station_layer).to_numpy()
        matrix_s, matrix_cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = _peak_mb() - before
        # networkx, per station, as osmnx users do it; sampled when it would take too long
        per_station_guess = graph.number_of_edges() * 2.5e-6
        sample = n_stations if per_station_guess * n_stations <= nx_budget else min(nx_sample, n_stations)
        targets = arrays.nodes[village_nodes]
        diff = 0.0
        t0, c0 = time.perf_counter(), time.process_time()
        for j in range(sample):
            lengths = nx.single_source_dijkstra_path_length(graph, arrays.nodes[station_nodes[j]], weight="travel_time")
            column = np.array([lengths.get(t, np.inf) for t in targets])
            finite = np.isfinite(column)
            assert np.array_equal(finite, np.isfinite(matrix[:, j]))
            diff = max(diff, float(np.abs(column[finite] - matrix[finite, j]).max(initial=0.0)))
        nx_s = (time.perf_counter() - t0) * n_stations / sample
        nx_cpu = (time.process_time() - c0) * n_stations / sample
        mark = "*" if sample < n_stations else " "
        print(f"{graph.number_of_edges():>9,} {graph.number_of_nodes():>8,} {n_stations:>5} {len(village_nodes):>6} "
              f"{graph_s:8.1f} {build_s:8.2f} {matrix_s:9.2f} {build_cpu + matrix_cpu:8.2f} {peak:8.0f} "
              f"{nx_s:10.1f}{mark} {nx_cpu:9.1f}{mark} {nx_cpu / (build_cpu + matrix_cpu):7.1f} "
              f"{nx_cpu / matrix_cpu:8.1f} {diff:9.1e}  {sample}/{n_stations}", flush=True)
        del matrix


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000],
                        help="approximate numbers of directed edges")
    parser.add_argument("--stations", type=int, nargs="*", default=[30, 300])
    parser.add_argument("--villages", type=int, default=2000, help="villages (matrix rows)")
    parser.add_argument("--nx-budget", type=float, default=60.0,
                        help="seconds of networkx per row before it is sampled and extrapolated")
    parser.add_argument("--nx-sample", type=int, default=10, help="stations networkx runs when sampled")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="10k and 100k edges, networkx sampled sooner")
    args = parser.parse_args(argv)
    sizes = [s for s in args.sizes if s <= 100_000] if args.quick else args.sizes
    budget = min(args.nx_budget, 10.0) if args.quick else args.nx_budget
    print("edges = directed edges; s = wall seconds, cpu = process CPU seconds (steadier on a shared machine); "
          "ours cpu = build + matrix; x = networkx cpu / ours cpu; x matrix = networkx cpu / matrix cpu; "
          "* = networkx timed on a sample of stations and extrapolated")
    print(f"{'edges':>9} {'nodes':>8} {'stns':>5} {'vills':>6} {'graph s':>8} {'build s':>8} {'matrix s':>9} "
          f"{'ours cpu':>8} {'peak MB':>8} {'networkx s':>11} {'nx cpu':>10} {'x':>7} {'x matrix':>8} "
          f"{'max diff':>9}  nx ran")
    for size in sizes:
        run(size, args.stations, args.villages, budget, args.nx_sample, args.seed)


if __name__ == "__main__":
    main()
