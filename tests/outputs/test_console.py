"""The plan's console summary: one language per run, counts as integers, no escape byte from data names."""

from __future__ import annotations

import re

import pytest

from jurisdiction import generate_county
from jurisdiction.cli import main

ESCAPE = "\x1b[31m"


@pytest.fixture(scope="module")
def county_files(tmp_path_factory):
    """A small generated county written to files, every station and village name holding a terminal escape."""
    county = generate_county(seed=7, n_villages=60, n_stations=6)
    folder = tmp_path_factory.mktemp("county")
    county.villages["name"] = ESCAPE + county.villages["name"].astype(str)
    county.stations["name"] = "=HYPERLINK(\"http://x\",\"y\")" + ESCAPE + county.stations["name"].astype(str)
    gpkg = folder / "county.gpkg"
    for layer in ("villages", "stations", "jurisdictions", "roads"):
        getattr(county, layer).to_file(gpkg, layer=layer, driver="GPKG")
    return folder


def _scenario(folder, language: str):
    path = folder / f"{language}.toml"
    layers = "".join(f'[data.{layer}]\npath = "county.gpkg"\nlayer = "{layer}"\n'
                     for layer in ("villages", "stations", "jurisdictions", "roads"))
    path.write_text(
        'name = "县\\u001b[31m"\n' + layers
        + f'[model]\ncentres = 3\nlimit = 60\n[outputs]\nfolder = "out_{language}"\nisochrones = [10]\n'
        f'language = "{language}"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("language", ["zh", "en"])
def test_console_summary_in_one_language_without_escape_bytes(county_files, capsys, language):
    assert main(["plan", str(_scenario(county_files, language))]) == 0
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out and "\x1b" not in captured.err
    assert "[31m" in captured.out + captured.err  # the names were printed, stripped of the escape byte
    out = captured.out
    if language == "zh":
        assert "6 所 → 3 所（3 所改警务室）" in out and "已写入" in out and "核验通过" in out
        assert "Written" not in out and "centres" not in out
    else:
        assert "6 → 3 (3 become posts)" in out and "Written:" in out and "verified: all" in out
    assert not re.search(r"\d\.0+ ?(所|个|人|→|stations|centres)", out)  # counts are whole numbers


def test_diagnose_csv_cells_are_neutralised(county_files, tmp_path):
    out = tmp_path / "diagnosis"
    assert main(["diagnose", str(_scenario(county_files, "zh")), "--quiet", "--out", str(out)]) == 0
    workload = (out / "workload.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in workload and ",=HYPERLINK" not in workload and "\n=HYPERLINK" not in workload
