"""simulator.tables_io: users' tables in and out (CSV with BOM, GBK, xlsx, parquet, JSON)."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from simulator import tables_io
from simulator.errors import InputError
from simulator.tables_io import SHARE, YUAN, alias_header, check_out_file, decode, read_table, write_table

LABELS = {"county": ("县", "county"), "budget": ("总额预算", "budget (yuan)"),
          "share": ("县域内就诊率", "county visit share")}


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"county": ["甲县", "乙县"], "budget": [1.25e8, 2.5e8],
                         "share": [0.915, np.nan], "n": [1, 2]})


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".json"])
def test_write_table_round_trips_through_pandas(tmp_path, suffix):
    path = tmp_path / f"t{suffix}"
    write_table(_frame(), path, LABELS, {"budget": YUAN, "share": SHARE})
    back = {".csv": lambda p: pd.read_csv(p, encoding="utf-8-sig"), ".xlsx": pd.read_excel,
            ".parquet": pd.read_parquet, ".json": lambda p: pd.DataFrame(json.loads(p.read_text("utf-8")))}[suffix](path)
    assert list(back.columns) == ["county", "budget", "share", "n"]
    assert back["county"].tolist() == ["甲县", "乙县"]
    np.testing.assert_allclose(back["budget"].astype(float), [1.25e8, 2.5e8])
    assert back["share"].iloc[0] == pytest.approx(0.915) and pd.isna(back["share"].iloc[1])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_csv_starts_with_a_bom(tmp_path):
    path = tmp_path / "t.csv"
    write_table(_frame(), path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfcounty,budget")
    assert "甲县".encode("utf-8") in data


def test_arrow_table_csv_has_a_bom(tmp_path):
    import pyarrow as pa

    path = tmp_path / "a.csv"
    write_table(pa.table({"group": ["G1", "甲"], "cost": [1.5, 2.0]}), path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(path, encoding="utf-8-sig")["group"].tolist() == ["G1", "甲"]


def test_xlsx_keys_in_row_1_labels_sheet_and_number_formats(tmp_path):
    import openpyxl

    path = tmp_path / "t.xlsx"
    write_table(_frame(), path, LABELS, {"budget": YUAN, "share": SHARE})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["data", "labels"]
    data = book["data"]
    assert [c.value for c in data[1]] == ["county", "budget", "share", "n"]
    assert data["B2"].number_format == YUAN and data["C2"].number_format == SHARE
    assert data["C3"].value is None  # NaN is an empty cell
    legend = [[c.value for c in row] for row in book["labels"].iter_rows()]
    assert legend[0] == ["key", "中文", "English"]
    assert legend[2] == ["budget", "总额预算", "budget (yuan)"]
    assert legend[4] == ["n", None, None]


def test_xlsx_infinity_is_text(tmp_path):
    path = tmp_path / "t.xlsx"
    import openpyxl

    write_table(pd.DataFrame({"x": [np.inf, 1.0]}), path)
    sheet = openpyxl.load_workbook(path)["data"]
    assert (sheet["A2"].value, sheet["A2"].data_type, sheet["A3"].value) == ("inf", "s", 1)


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    path = tmp_path / "t.xlsx"

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tables_io, "_write_xlsx", boom)
    with pytest.raises(RuntimeError):
        write_table(_frame(), path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_suffix_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="--out"):
        write_table(_frame(), tmp_path / "t.txt")


# -- reading ---------------------------------------------------------------------------------

def test_decode_utf8_bom_gbk_and_chosen():
    assert decode("甲县".encode("utf-8-sig"), file="f") == ("甲县", "utf-8")
    assert decode("甲县,总额预算".encode("gbk"), file="f") == ("甲县,总额预算", "gb18030")
    assert decode("甲县".encode("gbk"), file="f", encoding="gbk") == ("甲县", "gbk")


def test_decode_wrong_chosen_encoding_names_file_and_line():
    data = "a\n甲县\n".encode("gbk")
    with pytest.raises(InputError) as err:
        decode(data, file="x.csv", encoding="utf-8")
    assert "x.csv:2" in str(err.value) and "--encoding" in str(err.value)


def test_decode_undecodable_suggests_encoding():
    with pytest.raises(InputError) as err:
        decode(b"a,b\n\x80\x80\x80\n", file="x.csv")
    text = str(err.value)
    assert "x.csv:2" in text and "GBK" in text and "--encoding" in text


def test_decode_utf16_is_refused_with_a_hint():
    with pytest.raises(InputError, match="UTF-16"):
        decode("a,b\n".encode("utf-16"), file="x.csv")
    assert decode("a,b\n".encode("utf-16"), file="x.csv", encoding="utf-16")[0] == "a,b\n"


def test_unknown_encoding_names_the_option():
    with pytest.raises(InputError, match="--encoding"):
        tables_io.check_encoding("klingon")


def test_alias_header_maps_labels_to_keys():
    header = ["\ufeff县", "总额预算（元）", "County Visit Share", "other"]
    assert alias_header(header, LABELS) == ["county", "budget", "share", "other"]
    assert alias_header(["budget"], None) == ["budget"]


def test_read_table_gbk_csv_with_zh_header(tmp_path):
    path = tmp_path / "g.csv"
    path.write_bytes("县,总额预算\n甲县,100\n乙县,200\n".encode("gbk"))
    frame = read_table(path, labels=LABELS)
    assert list(frame.columns) == ["county", "budget"]
    assert frame["county"].tolist() == ["甲县", "乙县"]
    assert frame.attrs["encoding"] == "gb18030" and frame.attrs["lines"] == [2, 3]


def test_read_table_label_and_key_together_is_a_duplicate(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("budget,总额预算\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate column name"):
        read_table(path, labels=LABELS)


def test_read_table_xlsx_sheet_by_name_and_number(tmp_path):
    import openpyxl

    path = tmp_path / "b.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["just notes"])
    second = book.create_sheet("figures")
    second.append(["县", "budget"])
    second.append(["甲县", 5])
    book.save(path)
    assert read_table(path, sheet="figures", labels=LABELS)["county"].tolist() == ["甲县"]
    assert read_table(path, sheet="2")["budget"].tolist() == [5]
    assert list(read_table(path).columns) == ["just notes"]
    with pytest.raises(InputError) as err:
        read_table(path, sheet="figure")
    assert "--sheet" in str(err.value) and "figures" in str(err.value)


def test_sheet_on_a_csv_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(InputError, match="--sheet"):
        read_table(path, sheet="x")


def test_written_xlsx_reads_back_as_input(tmp_path):
    path = tmp_path / "t.xlsx"
    write_table(_frame(), path, LABELS, {"budget": YUAN})
    frame = read_table(path)
    assert list(frame.columns) == ["county", "budget", "share", "n"]
    assert frame.attrs["lines"] == [2, 3]


def test_not_a_workbook(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_text("budget,spending\n", encoding="utf-8")
    with pytest.raises(InputError, match="xlsx"):
        read_table(path)


# -- --out FILE checks -----------------------------------------------------------------------

def test_check_out_file(tmp_path):
    assert check_out_file(str(tmp_path / "a.csv")) == tmp_path / "a.csv"
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder.csv").mkdir()
    for bad, words in [("", "is empty"), (str(tmp_path / "a.txt"), "must end in"),
                       (str(tmp_path / "folder.csv"), "is a folder"),
                       (str(tmp_path / "missing" / "a.csv"), "does not exist"),
                       (str(tmp_path / "file" / "a.csv"), "is a file")]:
        with pytest.raises(InputError) as err:
            check_out_file(bad)
        assert "--out" in str(err.value) and words in str(err.value), bad
    assert check_out_file(str(tmp_path / "c.toml"), suffixes=None).name == "c.toml"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_check_out_file_unwritable(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InputError, match="takes no new file"):
            check_out_file(str(locked / "a.csv"))
    finally:
        locked.chmod(0o700)
