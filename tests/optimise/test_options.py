"""Options and Instance validation: NaN, infinity and out-of-range numbers are refused, naming the field."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from jurisdiction.errors import ScenarioError
from jurisdiction.optimise import Instance, Options
from jurisdiction.optimise.instance import NUMBER_OPTIONS, prepare

FLOAT_OPTIONS = [key for key, _, _ in NUMBER_OPTIONS]


def test_every_float_option_is_checked():
    assert set(FLOAT_OPTIONS) == {f.name for f in fields(Options) if "float" in str(f.type)}


@pytest.mark.parametrize("spelled", ["nan", "inf", "-inf"])
@pytest.mark.parametrize("key", FLOAT_OPTIONS)
def test_not_finite_option_names_the_key(key, spelled):
    with pytest.raises(ScenarioError) as error:
        Options(centres=2, **{key: float(spelled)})
    assert str(error.value).startswith(f"{key}:") and spelled in str(error.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [("limit", 0.0), ("time_limit", -1.0), ("balance", -0.1), ("balance", 1.0), ("gap", -1e-6),
     ("disruption", -1.0), ("gap", "0.1"), ("limit", True)],
)
def test_out_of_range_option_names_the_key(key, value):
    with pytest.raises(ScenarioError, match=f"^{key}:"):
        Options(centres=2, **{key: value})


def test_good_options_keep_their_numbers_as_floats():
    options = Options(centres=2, limit=np.float64(30), time_limit=np.int64(5), balance=0, log=True)
    assert (options.limit, options.time_limit, options.balance, options.log) == (30.0, 5.0, 0.0, True)
    assert all(isinstance(getattr(options, key), float) for key in ("limit", "time_limit", "balance", "gap"))
    assert Options(centres=2).log is False and Options(centres=2).time_limit is None


def test_log_must_be_a_bool():
    with pytest.raises(ScenarioError, match="^log:"):
        Options(centres=2, log="yes")  # type: ignore[arg-type]


def _instance(**arrays) -> Instance:
    times = np.array([[1.0, 2.0], [3.0, np.inf]])
    return Instance(times=times, weights=np.array([1.0, 2.0]), **arrays)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(
    ("field", "make"),
    [
        ("capacity", lambda bad: np.array([5.0, bad])),
        ("balance_weights", lambda bad: np.array([bad, 1.0])),
        ("cost", lambda bad: np.array([[1.0, bad], [1.0, 0.0]])),
    ],
)
def test_not_finite_instance_array_names_the_field(field, make, bad):
    with pytest.raises(ScenarioError, match=f"^{field} "):
        prepare(_instance(**{field: make(bad)}), Options(centres=1))


def test_cost_may_be_infinite_where_the_pair_is_unreachable():
    cost = np.array([[1.0, 2.0], [3.0, np.inf]])
    assert prepare(_instance(cost=cost), Options(centres=1)).cost[1, 1] == np.inf
