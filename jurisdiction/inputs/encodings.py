"""The text encoding of a Shapefile's attribute table (.dbf), found before GDAL reads it.

GDAL reads a Shapefile without a ``.cpg`` as ISO-8859-1 (Latin-1) unless the DBF's language
driver byte names a code page, so a GBK file written by ArcGIS or a Chinese desktop GIS comes
back as mojibake ('Æ½ÇÅ´å' for 平桥村) without an error. :func:`dbf_encoding` decides instead:

1. an ``encoding`` the user gives (never second-guessed);
2. the ``.cpg`` file, when the text decodes with it (and, for a one-byte Western code page,
   does not read as mojibake of Chinese text);
3. the DBF's language driver byte (byte 29: 0x4D GB2312 and 0x7A GBK are code page 936);
4. the text itself: UTF-8 when it decodes and reads as text, else GB18030 (a superset of
   GB2312 and GBK), else an error asking for ``encoding``.

GB2312/GBK/936 are read as GB18030, which decodes all of them (GB2312 files often hold GBK
characters such as 垭). A warning says which encoding was used and why whenever the file
itself did not settle it (no ``.cpg``, or a ``.cpg`` the text contradicts) and the text is not
plain ASCII.
"""

from __future__ import annotations

import codecs
import re
import struct
import warnings
from pathlib import Path

from jurisdiction.errors import InputError, Problem

#: DBF language driver ids (byte 29) -> Python codec. 0x00 (none) and 0x57 ("ANSI", the
#: writer's system code page: GBK on a Chinese Windows) say nothing and are left out.
LANGUAGE_DRIVERS = {
    0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x4D: "gb18030", 0x4E: "cp949", 0x4F: "cp950",
    0x50: "cp874", 0x58: "cp1252", 0x59: "cp1252", 0x64: "cp852", 0x65: "cp866", 0x7A: "gb18030",
    0x7B: "cp949", 0x7C: "cp874", 0x7D: "cp1255", 0x7E: "cp1256", 0x7F: "cp932", 0xC8: "cp1250",
    0xC9: "cp1251", 0xCA: "cp1254", 0xCB: "cp1253",
}
#: Names of the GB family (lower case, in .cpg files and for ``encoding``), read as GB18030.
GB_NAMES = frozenset({"936", "cp936", "ms936", "gbk", "gb2312", "gb_2312", "gb_2312-80", "euc-cn", "gb18030",
                      "gb-18030", "54936", "ansi 936", "windows-936"})
#: Records whose text is sniffed (the first ones; enough to tell encodings apart).
SNIFF_RECORDS = 20_000
#: Share of the non-ASCII characters that must be Chinese for a decoding to read as Chinese text.
CHINESE_SHARE = 0.5
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]")


def codec_name(name: str) -> str | None:
    """The Python codec for an encoding name as a ``.cpg`` or a user writes it, or None if unknown.

    Parameters
    ----------
    name : str
        "UTF-8", "GBK", "936", "ANSI 936", "65001", "1252", "ISO-8859-1", ...

    Returns
    -------
    str or None
        A codec name :func:`codecs.lookup` knows; the GB family becomes ``"gb18030"``.
    """
    text = name.strip().lower()
    if text in GB_NAMES:
        return "gb18030"
    if text in ("65001", "utf8", "utf-8"):
        return "utf-8"
    digits = re.fullmatch(r"(?:ansi|cp|windows-|ms)?\s*(\d{3,5})", text)
    candidates = [f"cp{digits.group(1)}"] if digits else []
    if text.replace("-", "").replace("_", "") in ("88591", "iso88591"):
        candidates.append("latin-1")
    candidates.append(text)
    for candidate in candidates:
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return None


def _dbf_texts(dbf: Path) -> list[tuple[str, bytes]]:
    """The non-ASCII texts of a DBF: field names and character cells, each with where it is."""
    data = dbf.read_bytes()
    if len(data) < 32:
        return []
    records, header, length = struct.unpack("<IHH", data[4:12])
    fields, offset, position = [], 1, 32
    while position + 32 <= min(header, len(data)) and data[position] != 0x0D:
        descriptor = data[position:position + 32]
        name = descriptor[:11].split(b"\0")[0]
        fields.append((name, chr(descriptor[11]), offset, descriptor[16]))
        offset += descriptor[16]
        position += 32
    texts = [(f"column name #{k + 1}", name) for k, (name, *_) in enumerate(fields) if not name.isascii()]
    for row in range(min(records, SNIFF_RECORDS)):
        start = header + row * length
        record = data[start:start + length]
        if len(record) < length:
            break
        for _name, kind, at, size in fields:
            cell = record[at:at + size].rstrip(b" \0")
            if kind == "C" and cell and not cell.isascii():
                texts.append((f"row #{row + 1}", cell))
    return texts


def _decodes(texts: list[tuple[str, bytes]], codec: str) -> tuple[str | None, str]:
    """(None, all the text decoded) or (where the first undecodable text is, "")."""
    decoded = []
    for where, raw in texts:
        try:
            decoded.append(raw.decode(codec))
        except UnicodeDecodeError:
            return where, ""
    return None, "".join(decoded)


def _chinese(text: str) -> bool:
    """Whether most non-ASCII characters of ``text`` are Chinese (not mojibake)."""
    wide = [c for c in text if ord(c) > 127]
    return bool(wide) and len(_CJK.findall(text)) >= CHINESE_SHARE * len(wide)


def _single_byte(codec: str) -> bool:
    return codec not in ("utf-8", "gb18030") and not "中".encode(codec, errors="ignore")


def _gb_mojibake(texts: list[tuple[str, bytes]], codec: str, decoded: str) -> bool:
    """Whether text that ``codec`` decodes is really GB18030 Chinese read wrongly (mojibake).

    A one-byte code page decodes any bytes, and GBK bytes sometimes form valid UTF-8: the
    decoding is mojibake when it is not Chinese text and the GB18030 decoding is.
    """
    if codec == "gb18030" or (codec != "utf-8" and not _single_byte(codec)) or _chinese(decoded):
        return False
    where, gb = _decodes(texts, "gb18030")
    return where is None and _chinese(gb)


def _sniffed(texts: list[tuple[str, bytes]], source: str) -> tuple[str, str]:
    where, utf8 = _decodes(texts, "utf-8")
    if where is None and not _gb_mojibake(texts, "utf-8", utf8):
        return "utf-8", "the text is valid UTF-8"
    gb_where, _ = _decodes(texts, "gb18030")
    if gb_where is None:
        why = f"it is not UTF-8 ({where} does not decode)" if where else "as UTF-8 it reads as mojibake"
        return "gb18030", f"the text decodes as GB18030 (GBK/GB2312) and {why}"
    raise InputError(source, [Problem(None, (
        f"the attribute text is neither UTF-8 ({where} does not decode) nor GB18030 ({gb_where} does not); "
        "name its encoding with `encoding` (e.g. encoding = \"big5\" in [data.<layer>])"))])


def _declared(path: Path, texts: list[tuple[str, bytes]], source: str) -> tuple[str, str] | None:
    """The encoding the .cpg declares, or None when it is absent, unknown or contradicted."""
    cpg = next((p for p in (path.with_suffix(".cpg"), path.with_suffix(".CPG")) if p.is_file()), None)
    if cpg is None:
        return None
    declared = cpg.read_text(encoding="ascii", errors="replace").strip()
    codec = codec_name(declared)
    if codec is None:
        warnings.warn(f"{source}: the .cpg names an unknown encoding {declared!r}; guessing from the text",
                      UserWarning, stacklevel=4)
        return None
    where, text = _decodes(texts, codec)
    if where is not None:
        warnings.warn(f"{source}: the .cpg says {declared!r} but {where} is not {codec}; guessing from the text",
                      UserWarning, stacklevel=4)
        return None
    if _single_byte(codec) and _gb_mojibake(texts, codec, text):
        warnings.warn(f"{source}: the .cpg says {declared!r} but the text reads as mojibake in it and as Chinese "
                      "in GB18030: reading it as GB18030 (set `encoding` to force another)", UserWarning, stacklevel=4)
        return "gb18030", ""
    return codec, ""


def chosen_codec(encoding: str, source: str) -> str:
    """The codec of an encoding the user names (:func:`codec_name`), or InputError naming ``source``."""
    codec = codec_name(encoding)
    if codec is None:
        raise InputError(source, [Problem(None, f"encoding {encoding!r} is not a known text encoding")])
    return codec


def dbf_encoding(path: Path, source: str, encoding: str | None = None) -> str | None:
    """The encoding to read a Shapefile's (or a .dbf's) attribute text with.

    Parameters
    ----------
    path : Path
        The ``.shp`` or ``.dbf`` file.
    source : str
        The file's name in messages.
    encoding : str, optional
        The user's choice (a ``[data.<layer>] encoding``): used as given.

    Returns
    -------
    str or None
        A Python codec name, or None when the table holds only ASCII text (any encoding reads
        it; GDAL is left to its own).

    Raises
    ------
    InputError
        ``encoding`` is not an encoding, or the text decodes neither as UTF-8 nor as GB18030.
    """
    if encoding is not None:
        return chosen_codec(encoding, source)
    dbf = next((p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.is_file()), None)
    if dbf is None:
        return None
    texts = _dbf_texts(dbf)
    if not texts:
        return None
    declared = _declared(path, texts, source)
    if declared is not None:
        return declared[0]
    driver = dbf.read_bytes()[29:30]
    codec = LANGUAGE_DRIVERS.get(driver[0]) if driver else None
    if codec is not None:
        where, text = _decodes(texts, codec)
        if where is None and not _gb_mojibake(texts, codec, text):
            warnings.warn(f"{source}: no .cpg file; read the text as {codec}, the code page the .dbf's language "
                          f"driver byte 0x{driver[0]:02X} names (set `encoding` to force another)",
                          UserWarning, stacklevel=3)
            return codec
    codec, why = _sniffed(texts, source)
    warnings.warn(f"{source}: no .cpg file (nor a telling language driver byte); read the text as {codec}: {why} "
                  "(set `encoding` to force another)", UserWarning, stacklevel=3)
    return codec
