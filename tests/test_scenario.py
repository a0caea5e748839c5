"""Scenario validation: unknown keys and bad values name the key."""

from __future__ import annotations

from dataclasses import fields

import pytest

from jurisdiction.errors import ScenarioError
from jurisdiction.scenario import Scenario, read_scenario
from jurisdiction.translation import options_for

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


#: Every number a scenario file can hold: (section, its line with ``{x}`` for the value, key named).
NUMBER_LINES = [
    ("model", "centres = {x}", "centres"),
    ("model", "centres = [2, {x}]", "centres"),
    ("model", "limit = {x}", "limit"),
    ("model", "weight = {{ population = {x} }}", "weight.population"),
    ("model", "balance = {x}", "balance"),
    ("bundling", "sizes = [2, {x}]", "bundling.sizes"),
    ("bundling", "disruption = {x}", "disruption"),
    ("network", "speeds = {{ national = {x} }}", "speeds.national"),
    ("network", "access_speed = {x}", "access_speed"),
    ("solver", "time_limit = {x}", "time_limit"),
    ("solver", "gap = {x}", "gap"),
    ("solver", "threads = {x}", "threads"),
    ("outputs", "isochrones = [5, {x}]", "isochrones"),
    ("outputs", "officers_per_10k = {x}", "officers_per_10k"),
]

#: The same numbers as Scenario keyword arguments: (arguments given ``x``, key named).
NUMBER_FIELDS = [
    (lambda x: {"centres": x}, "centres"),
    (lambda x: {"centres": (2, x)}, "centres"),
    (lambda x: {"limit": x}, "limit"),
    (lambda x: {"weight": {"population": x}}, "weight.population"),
    (lambda x: {"balance": x}, "balance"),
    (lambda x: {"bundle_sizes": (2, x)}, "bundling.sizes"),
    (lambda x: {"disruption": x}, "disruption"),
    (lambda x: {"speeds": {"national": x}}, "speeds.national"),
    (lambda x: {"access_speed": x}, "access_speed"),
    (lambda x: {"time_limit": x}, "time_limit"),
    (lambda x: {"gap": x}, "gap"),
    (lambda x: {"threads": x}, "threads"),
    (lambda x: {"isochrones": (5.0, x)}, "isochrones"),
    (lambda x: {"officers_per_10k": x}, "officers_per_10k"),
]

NOT_FINITE = ["nan", "inf", "-inf"]  # as TOML spells them; float() reads the same words


@pytest.mark.parametrize("spelled", NOT_FINITE)
@pytest.mark.parametrize(("section", "line", "key"), NUMBER_LINES, ids=[k for _, _, k in NUMBER_LINES])
def test_not_finite_number_in_a_file_names_the_key(tmp_path, section, line, key, spelled):
    centres = "" if line.startswith("centres") else "centres = 3\n"
    other = "" if section == "model" else f"[{section}]\n"
    path = tmp_path / "s.toml"
    path.write_text(f"[model]\n{centres}{other}{line.format(x=spelled)}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        read_scenario(path)
    message = str(error.value)
    assert str(path) in message and key in message and spelled in message


@pytest.mark.parametrize("spelled", NOT_FINITE)
@pytest.mark.parametrize(("arguments", "key"), NUMBER_FIELDS, ids=[k for _, k in NUMBER_FIELDS])
def test_not_finite_number_in_python_names_the_key(arguments, key, spelled):
    with pytest.raises(ScenarioError) as error:
        Scenario(**{"centres": 3, **arguments(float(spelled))})
    assert key in str(error.value) and spelled in str(error.value)


def test_every_number_key_is_covered():
    """A new number setting gets a row in NUMBER_LINES (a forgotten key would go untested)."""
    numbers = {"limit", "balance", "disruption", "access_speed", "time_limit", "gap", "officers_per_10k",
               "centres", "bundle_sizes", "threads", "speeds", "weight", "isochrones"}
    assert {key.split(".")[0].replace("bundling", "bundle_sizes") for _, _, key in NUMBER_LINES} == numbers
    assert {k for f in fields(Scenario) if (k := f.name) in numbers} == numbers


def test_solver_log_is_read_checked_and_passed_to_the_options(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[model]\ncentres = 2\n[solver]\nlog = true\n", encoding="utf-8")
    scenario = read_scenario(path)
    assert scenario.log is True and Scenario(centres=2).log is False
    assert options_for(scenario, ["a", "b"]).log is True
    assert options_for(Scenario(centres=2), ["a", "b"]).log is False
    path.write_text("[model]\ncentres = 2\n[solver]\nlog = 'yes'\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="log"):
        read_scenario(path)


def test_finite_numbers_are_kept_as_floats():
    scenario = Scenario(centres=3, limit=30, speeds={"national": 80}, isochrones=(10, 5))
    assert scenario.limit == 30.0 and isinstance(scenario.limit, float)
    assert scenario.speeds == {"national": 80.0} and isinstance(scenario.speeds["national"], float)
    assert scenario.isochrones == (5.0, 10.0)


@pytest.mark.parametrize("arguments, key", [
    (dict(centres=2, balance=1.0), "balance"),
    (dict(centres=2, threads=True), "threads"),
    (dict(centres=2, speeds="fast"), "speeds"),
    (dict(centres=2, speeds={"国道": 60}), "speeds"),
    (dict(centres=2, isochrones=5), "isochrones"),
])
def test_settings_of_the_wrong_shape_name_their_key(arguments, key):
    with pytest.raises(ScenarioError, match=key):
        Scenario(**arguments)


def test_fixed_and_excluded_ids_must_name_stations():
    with pytest.raises(ScenarioError, match="fixed: no station has the id"):
        options_for(Scenario(centres=2, fixed=("nowhere",)), ["s1", "s2"])
    with pytest.raises(ScenarioError, match="excluded: no station has the id"):
        options_for(Scenario(centres=2, excluded=("nowhere",)), ["s1", "s2"])
