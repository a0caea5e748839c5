"""``jurisdiction posts`` on a small generated county: the three files, the JSON table, bad input."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from jurisdiction.cli import main
from jurisdiction.cli.posts import counts_list
from jurisdiction.errors import ScenarioError
from jurisdiction.synthetic.county import generate_county


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """A generated county (30 villages, 3 stations) written as GeoPackages, and its scenario file."""
    folder = tmp_path_factory.mktemp("county")
    county = generate_county(17, 30, 3)
    lines = ['name = "posts-test"', "[data]"]
    for kind in ("villages", "stations", "jurisdictions", "roads"):
        getattr(county, kind).to_file(folder / f"{kind}.gpkg")
        lines.append(f'{kind} = "{kind}.gpkg"')
    lines += ["[model]", "centres = 1", "[solver]", "time_limit = 60"]
    path = folder / "scenario.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(argv: list[str], capsys) -> dict:
    capsys.readouterr()
    code = main(argv)
    document = json.loads(capsys.readouterr().out)
    assert document["exit_code"] == code
    return document


def test_posts_writes_the_three_files(scenario, tmp_path, capsys):
    out = tmp_path / "posts"
    document = run(["posts", str(scenario), "--minutes", "8,12", "--k", "2:3", "--site-spacing-m", "1500",
                    "--weight", "incidents", "--out", str(out), "--json"], capsys)
    assert document["ok"], document
    assert sorted(document["files"]) == ["coverage", "map", "posts"]
    assert sorted(p.name for p in out.iterdir()) == ["coverage.csv", "posts.gpkg", "posts_map.html"]
    coverage = pd.read_csv(out / "coverage.csv", encoding="utf-8-sig")
    assert coverage["run"].tolist() == ["8 min, k=2", "8 min, k=3", "12 min, k=2", "12 min, k=3"]
    assert coverage["weight"].eq("incidents").all()
    assert coverage.to_dict(orient="records")[0]["weight_covered"] == document["coverage"][0]["weight_covered"]
    assert (out / "coverage.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    layers = dict(gpd.list_layers(out / "posts.gpkg").itertuples(index=False))
    assert {"posts", "coverage", "villages", "catchments", "sites"} <= set(layers)
    # the covered weight, recomputed from the written villages layer
    villages = gpd.read_file(out / "posts.gpkg", layer="villages")
    posts = gpd.read_file(out / "posts.gpkg", layer="posts")
    for row in coverage.itertuples():
        mine = villages[villages["run"] == row.run]
        within = mine.loc[mine["minutes_to_post"] <= row.minutes + 1e-9, "weight"].sum()
        assert within == pytest.approx(row.weight_covered)
        assert (posts["run"] == row.run).sum() == row.k
    # more posts, more weight within the same time; more time, more weight with the same posts
    covered = coverage.set_index("run")["weight_covered"]
    assert covered["8 min, k=3"] >= covered["8 min, k=2"] and covered["12 min, k=2"] >= covered["8 min, k=2"]


def test_cover_all_beyond_reach_exits_4_naming_the_villages(scenario, tmp_path, capsys):
    document = run(["posts", str(scenario), "--minutes", "0.5", "--cover-all", "--site-spacing-m", "3000",
                    "--out", str(tmp_path), "--json"], capsys)
    assert document["exit_code"] == 4
    assert "0.5 min:" in document["error"] and "have no candidate site within 0.5 minutes" in document["error"]
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_bad_sites_file_exits_3_naming_file_and_row(scenario, tmp_path, capsys):
    sites = tmp_path / "sites.gpkg"
    gpd.GeoDataFrame({"site_id": ["P1", "P1"]}, geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:32648").to_file(sites)
    document = run(["posts", str(scenario), "--minutes", "10", "--k", "1", "--sites", str(sites),
                    "--out", str(tmp_path / "out"), "--json"], capsys)
    assert document["exit_code"] == 3
    assert str(sites) in document["error"] and "row #2: duplicate site_id 'P1'" in document["error"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv", [["--minutes", "5,x", "--k", "2"], ["--minutes", "5", "--k", "3:1"],
                                  ["--minutes", "5", "--k", "0"]])
def test_bad_numbers_exit_3(scenario, tmp_path, capsys, argv):
    document = run(["posts", str(scenario), *argv, "--out", str(tmp_path), "--json"], capsys)
    assert document["exit_code"] == 3 and ("--minutes" in document["error"] or "k:" in document["error"]
                                           or "--k" in document["error"])


def test_k_and_cover_all_exclude_each_other(scenario, capsys):
    document = run(["posts", str(scenario), "--minutes", "5", "--k", "2", "--cover-all", "--json"], capsys)
    assert document["exit_code"] == 2


def test_counts_list():
    assert counts_list("5:8") == [5, 6, 7, 8] and counts_list("3,10") == [3, 10]
    with pytest.raises(ScenarioError, match="--k"):
        counts_list("a")
    assert np.array_equal(counts_list("7"), [7])
