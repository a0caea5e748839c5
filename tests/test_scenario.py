"""Scenario validation: unknown keys and bad values name the key."""

from __future__ import annotations

import pytest

from jurisdiction.errors import ScenarioError
from jurisdiction.scenario import Scenario, read_scenario

GOOD = """
name = "t"
[model]
centres = [3, 5]
limit = 30
weight = { population = 1.0, incidents = 2.0 }
balance = 0.1
contiguity = "cuts"
[bundling]
sizes = [2, 3]
stations = ["a", "b"]
[network]
speeds = { national = 80 }
[data]
villages = "v.gpkg"
"""


def test_read_good_scenario(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(GOOD, encoding="utf-8")
    scenario = read_scenario(path)
    assert scenario.centres == (3, 5)
    assert scenario.limit == 30.0
    assert scenario.weight == {"population": 1.0, "incidents": 2.0}
    assert scenario.bundle_sizes == (2, 3)
    assert scenario.bundle_stations == ("a", "b")
    assert scenario.speeds == {"national": 80}
    assert scenario.villages == str((tmp_path / "v.gpkg").resolve())


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[model]\ncentres = 3\ncolour = 1", "model.colour"),
        ("[modle]\ncentres = 3", "modle"),
        ("[model]\ncentres = 0", "centres"),
        ("[model]\ncentres = 3\nlimit = -5", "limit"),
        ("[model]\ncentres = 3\nobjective = 'k-means'", "objective"),
        ("[model]\ncentres = 3\n[bundling]\nsizes = [3, 2]", "bundling.sizes"),
        ("[model]\ncentres = 3\n[network]\nspeeds = { national = 0 }", "speeds.national"),
        ("[model]\ncentres = 3\n[solver]\nname = 'gurobi'", "solver"),
        ("[model]\ncentres = 3\nbalance = 'loose'", "balance"),
        ("[model]\nobjective = 'p-median'", "centres"),
        ("[model]\ncentres = 3\n[stations]\nfixed = ['a']\nexcluded = ['a']", "fixed, excluded"),
    ],
)
def test_bad_scenario_names_the_key(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        read_scenario(path)
    message = str(error.value)
    assert str(path) in message
    assert key in message


def test_unparsable_file_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[model\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="broken.toml"):
        read_scenario(path)


def test_python_scenario_is_frozen_and_validated():
    scenario = Scenario(centres=4, limit=20)
    with pytest.raises(AttributeError):
        scenario.centres = 5  # type: ignore[misc]
    assert scenario.with_(centres=6).centres == 6
    with pytest.raises(ScenarioError, match="colour"):
        scenario.with_(colour="red")
    with pytest.raises(ScenarioError, match="contiguity"):
        Scenario(centres=2, contiguity="loose")
