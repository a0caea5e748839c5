"""Issue 15, encodings: Shapefiles without a .cpg, DBF language drivers, scenario files in GB18030.

Every case writes real files to tmp_path; the command-line cases run ``jurisdiction diagnose``.
"""

from __future__ import annotations

import warnings

import pytest

from jurisdiction.errors import InputError, ScenarioError
from jurisdiction.inputs.encodings import codec_name
from jurisdiction.inputs.readers import read_stations, read_villages
from jurisdiction.scenario import read_scenario
from tests.support.files import county, diagnose, scenario, shapefile, short_data, stations, villages


def set_language_driver(path, byte: int) -> None:
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = byte
    dbf.write_bytes(bytes(data))


def test_gbk_shapefile_without_cpg_is_read_as_gb18030_with_a_warning(tmp_path):
    path = shapefile(villages(), tmp_path / "v.shp")  # GDAL alone reads 'Æ½ÇÅ´å'
    with pytest.warns(UserWarning, match=r"v\.shp: no \.cpg file .* read the text as gb18030"):
        got = read_villages(path)
    assert got["name"].tolist()[:3] == ["平桥村", "高峰村", "垭口村"]


def test_gbk_stations_through_the_command_line(tmp_path, capsys):
    path = shapefile(stations(), tmp_path / "s.shp")
    document = diagnose(scenario(tmp_path, short_data(county(tmp_path, stations=path))), capsys)
    assert document["exit_code"] == 0
    assert [row["name"] for row in document["workload"]] == ["平桥派出所", "高峰派出所"]
    assert any("s.shp: no .cpg file" in w and "gb18030" in w for w in document["warnings"])


def test_language_driver_byte_names_the_code_page(tmp_path):
    path = shapefile(villages(), tmp_path / "v.shp")
    set_language_driver(path, 0x4D)  # GB2312 / code page 936
    with pytest.warns(UserWarning, match="language driver byte 0x4D"):
        assert read_villages(path)["name"][0] == "平桥村"


@pytest.mark.parametrize(("declared", "message"), [
    ("UTF-8", "the .cpg says 'UTF-8' but row #1 is not utf-8"),
    ("1252", "the .cpg says '1252' but the text reads as mojibake"),
])
def test_a_cpg_the_text_contradicts_is_overruled_with_a_warning(tmp_path, declared, message):
    path = shapefile(villages(), tmp_path / "v.shp")
    path.with_suffix(".cpg").write_text(declared, encoding="ascii")
    with pytest.warns(UserWarning, match=message.replace(".", r"\.")):
        assert read_villages(path)["name"][0] == "平桥村"


def test_a_cpg_that_holds_is_used_silently(tmp_path):
    frame = villages().drop(columns=["registration_station", "dispatch_station"])
    path = shapefile(frame, tmp_path / "v.shp", cpg=True)  # GBK, and a .cpg saying so
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_villages(path)["name"][0] == "平桥村"


def test_utf8_shapefile_without_cpg(tmp_path):
    path = shapefile(villages(), tmp_path / "v.shp", encoding="UTF-8")
    with pytest.warns(UserWarning, match="read the text as utf-8: the text is valid UTF-8"):
        assert read_villages(path)["name"][0] == "平桥村"


def test_ascii_shapefile_gives_no_warning(tmp_path):
    path = shapefile(villages(name=["a", "b", "c", "d", "e", "f"]), tmp_path / "v.shp")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=".*read column")  # the 10-character names
        assert read_villages(path)["name"][0] == "a"


def test_encoding_option_overrides_the_guess(tmp_path, capsys):
    frame = stations(name=["平橋派出所", "高峰派出所"])
    path = shapefile(frame, tmp_path / "s.shp", encoding="big5")
    with pytest.warns(UserWarning):
        guessed = read_stations(path)
    assert guessed["name"][0] != "平橋派出所"  # Big5 bytes decode as GB18030 too, to other characters
    files = county(tmp_path, stations=path)
    data = short_data({k: v for k, v in files.items() if k != "stations"})
    data += '[data.stations]\npath = "s.shp"\nencoding = "big5"\n'
    document = diagnose(scenario(tmp_path, data), capsys)
    assert document["exit_code"] == 0, document.get("error")
    assert [row["name"] for row in document["workload"]] == ["平橋派出所", "高峰派出所"]
    assert not any("s.shp" in w for w in document["warnings"])


def test_text_neither_utf8_nor_gb18030_is_an_error_asking_for_encoding(tmp_path, capsys):
    path = shapefile(stations(name=["Caf\u00e9 \u00ff", "b"]), tmp_path / "s.shp", encoding="cp1252")
    with pytest.raises(InputError, match=r"(?s)s\.shp.*neither UTF-8 .* nor GB18030 .*encoding"):
        read_stations(path)
    document = diagnose(scenario(tmp_path, short_data(county(tmp_path, stations=path))), capsys)
    assert document["exit_code"] == 3 and "s.shp" in document["error"] and "encoding" in document["error"]


def test_unknown_encoding_in_the_scenario_names_the_key(tmp_path, capsys):
    files = county(tmp_path)
    data = short_data({k: v for k, v in files.items() if k != "villages"})
    data += '[data.villages]\npath = "villages.gpkg"\nencoding = "klingon"\n'
    document = diagnose(scenario(tmp_path, data), capsys)
    assert document["exit_code"] == 3 and "data.villages.encoding: 'klingon' is not a known" in document["error"]


def test_codec_names_as_cpg_files_write_them():
    assert codec_name("936") == codec_name("GBK") == codec_name("ANSI 936") == "gb18030"
    assert codec_name("65001") == codec_name("utf8") == "utf-8"
    assert codec_name("1252") == "cp1252" and codec_name("ISO 8859-1") in ("latin-1", "iso8859-1")
    assert codec_name("nonsense") is None


def test_scenario_saved_as_gb18030_is_read_with_a_warning(tmp_path, capsys):
    files = county(tmp_path)
    path = tmp_path / "scenario.toml"
    text = f'name = "垫江"\n{short_data(files)}[model]\ncentres = 1\nlimit = 30\n'
    path.write_bytes(text.encode("gb18030"))
    with pytest.warns(UserWarning, match="not UTF-8 .* read it as GB18030"):
        assert read_scenario(path).name == "垫江"
    document = diagnose(path, capsys)
    assert document["exit_code"] == 0 and any("GB18030" in w for w in document["warnings"])


def test_scenario_in_neither_encoding_is_refused_clearly(tmp_path, capsys):
    path = tmp_path / "scenario.toml"
    path.write_bytes(b'name = "\xff\xfe"\n[model]\ncentres = 1\n')
    with pytest.raises(ScenarioError, match="neither UTF-8 nor GB18030 .* save it as UTF-8"):
        read_scenario(path)
    assert diagnose(path, capsys)["exit_code"] == 3


@pytest.mark.parametrize("value", ["5", '""', "true", "[1]"])
def test_a_name_that_is_not_text_names_the_key(tmp_path, capsys, value):
    path = scenario(tmp_path, short_data(county(tmp_path)), name=value)
    with pytest.raises(ScenarioError, match=r"scenario\.toml: name: expected a non-empty string"):
        read_scenario(path)
    document = diagnose(path, capsys)
    assert document["exit_code"] == 3 and "name: expected a non-empty string" in document["error"]
