"""Road junctions as candidate post sites: one per grid cell, on the main network, the best-connected first."""

from __future__ import annotations

import numpy as np
import pytest

from jurisdiction.errors import InputError
from jurisdiction.inputs.example import load_example
from jurisdiction.network.arrays import graph_arrays
from jurisdiction.network.graph import road_graph
from jurisdiction.network.sites import node_degrees, road_sites
from tests.support import files


@pytest.fixture(scope="module")
def futian():
    return graph_arrays(road_graph(load_example("futian").roads))


def test_every_node_of_the_grid_without_spacing():
    arrays = graph_arrays(road_graph(files.roads()))
    sites = road_sites(arrays, site_spacing_m=None)
    assert len(sites) == int(arrays.main.sum()) == 6  # the 3 x 2 crossings of the road grid
    assert sorted(sites["degree"]) == [2, 2, 2, 2, 3, 3]
    assert sites["site_id"].tolist() == sorted(f"N{n}" for n in arrays.nodes)


@pytest.mark.parametrize("spacing", [100.0, 200.0, 500.0])
def test_one_site_per_cell_on_the_main_network(futian, spacing):
    sites = road_sites(futian, site_spacing_m=spacing)
    index = {node: i for i, node in enumerate(futian.nodes)}
    rows = np.array([index[n] for n in sites["node"]])
    assert futian.main[rows].all()
    xy = futian.xy[rows]
    cells = np.floor((xy - futian.xy[futian.main].min(axis=0)) / spacing)
    assert len({tuple(c) for c in cells}) == len(sites)  # never two sites in one cell
    # fewer sites as the cells grow, and the kept nodes are the better connected ones
    assert node_degrees(futian)[rows].mean() > node_degrees(futian)[futian.main].mean()
    assert np.array_equal(sites.geometry.x.to_numpy(), xy[:, 0])


def test_spacing_thins_futian(futian):
    counts = [len(road_sites(futian, site_spacing_m=s)) for s in (None, 100.0, 200.0, 500.0)]
    assert counts == sorted(counts, reverse=True) and counts[2] < counts[0] / 4


@pytest.mark.parametrize("spacing", [0, -5.0, float("nan"), "200"])
def test_a_bad_spacing_is_named(spacing):
    with pytest.raises(InputError, match="site_spacing_m"):
        road_sites(graph_arrays(road_graph(files.roads())), site_spacing_m=spacing)
