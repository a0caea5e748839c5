"""``jurisdiction sweep`` on small generated counties: the table, the plan folders, the index pages."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pandas as pd
import pytest

from jurisdiction.cli import main
from jurisdiction.outputs.files import CSV_ENCODING

SCENARIO = """name = "{name}"
[data]
villages = "county.gpkg"
stations = "county.gpkg"
jurisdictions = "county.gpkg"
roads = "county.gpkg"
[model]
centres = 4
limit = 40
[outputs]
isochrones = [10]
tiles = "none"
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory, county):
    folder = tmp_path_factory.mktemp("sweep")
    for layer in ("villages", "stations", "jurisdictions", "roads"):
        getattr(county, layer).to_file(folder / "county.gpkg", layer=layer, driver="GPKG")
    (folder / "county.toml").write_text(SCENARIO.format(name="县 <b>&amp;</b>"), encoding="utf-8")
    (folder / "other.toml").write_text(SCENARIO.format(name="=other"), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def swept(folder):
    out = folder / "out"
    assert main(["sweep", str(folder / "county.toml"), "--centres", "2:4", "--limit", "12,40", "--serial",
                 "--out", str(out), "--quiet"]) == 0
    return out


def test_the_table_and_a_folder_per_run_with_a_plan(swept):
    assert (swept / "sweep.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(swept / "sweep.csv", encoding=CSV_ENCODING, keep_default_na=False)
    assert table["run"].tolist() == ["k02_t12", "k02_t40", "k03_t12", "k03_t40", "k04_t12", "k04_t40"]
    planned = table[table["status"] == "optimal"]
    assert len(planned) >= 3 and (table["status"] != "optimal").any()
    for row in table.itertuples():
        if row.status == "optimal":
            assert row.plan == f"{row.run}/"
            for name in ("plan_map.html", "current_map.html", "report.html", "plan.gpkg", "metrics.json"):
                assert (swept / row.run / name).is_file()
        else:
            assert row.plan == "" and row.reason and not (swept / row.run).exists()
    assert (swept / "index.html").is_file()


def test_json_prints_the_table(folder, capsys):
    capsys.readouterr()
    code = main(["sweep", str(folder / "county.toml"), "--centres", "3", "--limit", "40", "--serial",
                 "--out", str(folder / "json"), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and document["ok"] and document["command"] == "sweep"
    [row] = document["table"]
    assert row["run"] == "k03_t40" and row["status"] == "optimal" and row["pareto"] is True
    assert row["balance"] is None


def test_bad_flag_values_are_input_errors(folder, capsys):
    assert main(["sweep", str(folder / "county.toml"), "--centres", "six", "--serial", "--quiet"]) == 3
    assert "--centres" in capsys.readouterr().err
    assert main(["sweep", str(folder / "county.toml"), "--balance", "1.5", "--serial", "--quiet"]) == 3


def test_several_counties_give_a_province_table_and_index(folder, cluster):
    out = folder / "province"
    assert main(["sweep", str(folder / "county.toml"), str(folder / "other.toml"), "--centres", "3,4",
                 "--limit", "40", "--scheduler", cluster.scheduler_address, "--out", str(out), "--quiet"]) == 0
    province = pd.read_csv(out / "province.csv", encoding=CSV_ENCODING)
    assert province["county"].tolist() == ["县 <b>&amp;</b>", "'=other"]  # a formula neutralised
    assert province["runs"].tolist() == [2, 2] and province["planned"].tolist() == [2, 2]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<b>" not in index and "县 &lt;b&gt;&amp;amp;&lt;/b&gt;" in index
    links = re.findall(r'href="([^"]+)"', index)
    assert len(links) == 2 and all((out / unquote(link)).is_file() for link in links)
    assert (out / "other" / "k04_t40" / "plan_map.html").is_file()
