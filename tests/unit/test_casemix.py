"""simulator.casemix: the built-in reference case mix and validation of user case-mix files."""

from __future__ import annotations

import importlib.util
import os
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from simulator.casemix import COLUMNS, CaseMix, load_casemix
from simulator.errors import InputError

REPO = Path(__file__).resolve().parents[2]
BANDS = ("0-14", "15-44", "45-59", "60-74", "75+")
# Reference scenario: [population].age_shares and [demand.inpatient].rate_by_age.
AGE_SHARES = np.array([0.19, 0.36, 0.21, 0.17, 0.07])
ADMISSION_RATE = np.array([0.07, 0.09, 0.17, 0.32, 0.48])
BAND_ADMISSIONS = AGE_SHARES * ADMISSION_RATE


@pytest.fixture(scope="module")
def reference() -> CaseMix:
    return load_casemix("builtin:reference", base_dir=None, age_bands=BANDS)


@pytest.fixture(scope="module")
def reference_text() -> str:
    return resources.files("simulator").joinpath("builtin", "casemix_reference.csv").read_text("utf-8")


def _frequency(cm: CaseMix) -> np.ndarray:
    return cm.group_frequency(BAND_ADMISSIONS)


# -- the built-in table ---------------------------------------------------------------------

def test_builtin_loads_with_consistent_arrays(reference):
    cm = reference
    assert 40 <= cm.n_groups <= 80
    assert len(set(cm.codes.tolist())) == cm.n_groups
    assert cm.age_share.shape == (cm.n_groups, len(BANDS))
    assert cm.weight.dtype == np.float64 and cm.severity.dtype == np.int64
    assert cm.post_acute.dtype == bool and cm.long_stay.dtype == bool and cm.base_group.dtype == bool
    assert set(cm.severity.tolist()) == {1, 2, 3, 4}
    assert np.all(cm.base_cost > 0) and np.all(cm.los_mean > 0) and np.all(cm.weight > 0)
    assert all(name for name in cm.names)
    assert cm.age_bands == BANDS
    with pytest.raises(ValueError):
        cm.base_cost[0] = 1.0  # read-only


def test_builtin_share_columns_sum_to_one(reference):
    np.testing.assert_allclose(reference.age_share.sum(axis=0), 1.0, rtol=0, atol=1e-9)
    assert np.all(reference.age_share >= 0)


def test_builtin_mean_cost_near_county_hospital_admission(reference):
    # docs/data-sources.md: secondary public hospital (≈ county) 6,425 yuan per admission; brief: ≈ 6,400 ± 10%
    f = _frequency(reference)
    mean_cost = float(f @ reference.base_cost)
    assert abs(mean_cost / 6400.0 - 1.0) < 0.10
    # weight = base_cost / admission-weighted mean cost, written with 4 decimals
    assert float(f @ reference.weight) == pytest.approx(1.0, abs=1e-3)
    np.testing.assert_allclose(reference.weight, reference.base_cost / mean_cost, atol=6e-5)


def test_builtin_mean_los_near_public_hospitals(reference):
    # docs/data-sources.md: average LOS 8.4 (public) / 8.8 (all hospitals) days
    assert 7.0 <= float(_frequency(reference) @ reference.los_mean) <= 9.5


def test_builtin_severity_mix(reference):
    f = _frequency(reference)
    mix = [float(f[reference.severity == s].sum()) for s in (1, 2, 3, 4)]
    for got, want in zip(mix, (0.45, 0.35, 0.15, 0.05)):
        assert abs(got - want) <= 0.05


def test_builtin_flags(reference):
    cm = reference
    base = cm.base_group
    assert base.sum() >= 3 and np.all(cm.severity[base] == 1)
    assert 2 <= cm.long_stay.sum() <= 4
    assert np.all((cm.los_mean[cm.long_stay] >= 30) & (cm.los_mean[cm.long_stay] <= 60))
    assert cm.post_acute.sum() >= 3
    names = "".join(cm.names[cm.long_stay])
    assert "精神分裂症" in names and "康复" in names
    for name in ("急性上呼吸道感染", "单纯性阑尾炎", "正常分娩"):
        assert any(name in n for n in cm.names[base])
    # severity 4 is tertiary care: costlier than any lower-severity acute group
    acute = ~cm.long_stay
    assert cm.base_cost[cm.severity == 4].min() > np.median(cm.base_cost[acute & (cm.severity < 4)])


def test_builtin_age_patterns(reference):
    cm = reference
    share = dict(zip(cm.codes.tolist(), cm.age_share))
    delivery = share["OC15"]
    assert delivery[1] > 0 and delivery[[0, 2, 3, 4]].sum() == 0
    child_pneumonia = share["ES36"]
    assert child_pneumonia[0] > 0.1 and child_pneumonia[1:].sum() == 0
    for code in ("BR25", "BR23", "ET25", "FR35", "IC29"):
        # stroke, COPD, heart failure, hip fracture: admissions per person rise with age
        per_person = share[code] * ADMISSION_RATE
        assert np.all(np.diff(per_person) >= 0) and np.all(np.diff(per_person[2:]) > 0), code


def test_make_script_reproduces_shipped_csv_byte_for_byte():
    script = REPO / "data" / "synthetic" / "make_reference_data.py"
    spec = importlib.util.spec_from_file_location("make_reference_data", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = REPO / "simulator" / "builtin" / "casemix_reference.csv"
    assert module.casemix_csv() == shipped.read_bytes()
    link = REPO / "data" / "synthetic" / "casemix_reference.csv"
    assert link.is_symlink() and not os.path.isabs(os.readlink(link))
    assert link.resolve() == shipped.resolve()


# -- file sources -----------------------------------------------------------------------------

def test_csv_and_parquet_files_load_like_the_builtin(tmp_path, reference, reference_text):
    import pandas as pd

    (tmp_path / "cm.csv").write_text(reference_text, encoding="utf-8")
    frame = pd.read_csv(tmp_path / "cm.csv", dtype={"group": str, "name": str})
    frame.to_parquet(tmp_path / "cm.parquet", index=False)
    for name in ("cm.csv", "cm.parquet"):
        cm = load_casemix(name, base_dir=tmp_path, age_bands=BANDS)
        for field in ("codes", "names", "weight", "severity", "base_cost", "los_mean",
                      "post_acute", "long_stay", "base_group", "age_share"):
            np.testing.assert_array_equal(getattr(cm, field), getattr(reference, field), err_msg=field)


def test_extra_columns_and_bands_subset_are_accepted(tmp_path, reference_text):
    lines = reference_text.splitlines()
    lines = [line + (",note" if i == 0 else ",x") for i, line in enumerate(lines)]
    path = tmp_path / "cm.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cm = load_casemix(str(path), base_dir=None, age_bands=("0-14", "75+"))
    assert cm.age_share.shape[1] == 2


# -- bad inputs: each kind names the file, the column and the CSV line ---------------------------

def _edit(text: str, line: int, column: str, value: str) -> str:
    """Replace one cell: ``line`` is the 1-based file line (header = 1)."""
    rows = text.splitlines()
    header = rows[0].split(",")
    cells = rows[line - 1].split(",")
    cells[header.index(column)] = value
    rows[line - 1] = ",".join(cells)
    return "\n".join(rows) + "\n"


def _drop_column(text: str, column: str) -> str:
    rows = [r.split(",") for r in text.splitlines()]
    j = rows[0].index(column)
    return "\n".join(",".join(r[:j] + r[j + 1:]) for r in rows) + "\n"


def _load_text(tmp_path: Path, text: str) -> InputError:
    path = tmp_path / "cm.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_casemix("cm.csv", base_dir=tmp_path, age_bands=BANDS)
    return info.value


@pytest.mark.parametrize("line, column, value, expected", [
    (5, "weight", "abc", "not a number"),
    (7, "severity", "5", "integer 1-4"),
    (8, "severity", "1.5", "integer 1-4"),
    (4, "base_cost", "-100", "positive"),
    (9, "los_mean", "0", "positive"),
    (10, "weight", "", "not a number (empty)"),
    (11, "post_acute", "2", "0 or 1"),
    (12, "long_stay", "yes please", "0 or 1"),
    (13, "base_group", "-1", "0 or 1"),
    (14, "share_45-59", "x", "not a number"),
    (15, "share_75+", "1.5", "[0, 1]"),
])
def test_bad_cell_names_file_line_and_column(tmp_path, reference_text, line, column, value, expected):
    error = _load_text(tmp_path, _edit(reference_text, line, column, value))
    text = str(error)
    assert f"cm.csv:{line}: column {column}:" in text
    assert expected in text


def test_all_problems_are_reported_together(tmp_path, reference_text):
    text = _edit(reference_text, 3, "severity", "9")
    text = _edit(text, 6, "base_cost", "free")
    error = _load_text(tmp_path, text)
    assert len(error.problems) >= 2
    assert "cm.csv:3: column severity" in str(error) and "cm.csv:6: column base_cost" in str(error)


def test_missing_required_column(tmp_path, reference_text):
    error = _load_text(tmp_path, _drop_column(reference_text, "base_cost"))
    text = str(error)
    assert "missing column: base_cost" in text and "columns found: group, name, weight" in text


def test_missing_share_column(tmp_path, reference_text):
    error = _load_text(tmp_path, _drop_column(reference_text, "share_75+"))
    text = str(error)
    assert "column share_75+" in text and "age band '75+'" in text


def test_duplicate_group_code(tmp_path, reference_text):
    first = reference_text.splitlines()[1].split(",")[0]
    error = _load_text(tmp_path, _edit(reference_text, 20, "group", first))
    assert f"cm.csv:20: column group: duplicate group code '{first}' (first on line 2)" in str(error)


def test_shares_not_summing_to_one(tmp_path, reference_text):
    error = _load_text(tmp_path, _edit(reference_text, 2, "share_0-14", "0.5"))
    text = str(error)
    assert "column share_0-14" in text and "sum to" in text and "not 1" in text
    assert len(error.problems) == 1


def test_ragged_row(tmp_path, reference_text):
    rows = reference_text.splitlines()
    rows[5] += ",extra"
    error = _load_text(tmp_path, "\n".join(rows) + "\n")
    assert "cm.csv:6:" in str(error) and "fields" in str(error)


def test_broken_csv_quote(tmp_path, reference_text):
    rows = reference_text.splitlines()
    rows[3] = rows[3].replace(",", ',"', 1)
    error = _load_text(tmp_path, "\n".join(rows) + "\n")
    assert "cm.csv" in str(error) and "CSV" in str(error)


def test_not_utf8(tmp_path, reference_text):
    data = reference_text.encode("utf-8")
    lines = data.split(b"\n")
    lines[2] = lines[2].replace("小儿支气管肺炎".encode("utf-8"), "小儿支气管肺炎".encode("gbk"))
    path = tmp_path / "cm.csv"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError) as info:
        load_casemix(str(path), base_dir=None, age_bands=BANDS)
    assert "cm.csv:3:" in str(info.value) and "UTF-8" in str(info.value)


def test_empty_file(tmp_path):
    error = _load_text(tmp_path, "")
    assert "empty" in str(error)


def test_header_only(tmp_path):
    error = _load_text(tmp_path, ",".join(COLUMNS + tuple(f"share_{b}" for b in BANDS)) + "\n")
    assert "no groups" in str(error)


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as info:
        load_casemix("nowhere.csv", base_dir=tmp_path, age_bands=BANDS)
    problem = info.value.problems[0]
    assert problem.path == "casemix.file" and "not found" in problem.message
    assert "nowhere.csv" in str(info.value)


def test_unknown_builtin_lists_builtins():
    with pytest.raises(InputError) as info:
        load_casemix("builtin:referense", base_dir=None, age_bands=BANDS)
    text = str(info.value)
    assert "casemix.source" in text and "builtin:reference" in text and "did you mean" in text


def test_unreadable_parquet(tmp_path):
    (tmp_path / "cm.parquet").write_bytes(b"this is not parquet")
    with pytest.raises(InputError) as info:
        load_casemix("cm.parquet", base_dir=tmp_path, age_bands=BANDS)
    assert "parquet" in str(info.value) and "cm.parquet" in str(info.value)


def test_bad_parquet_cell_names_row_and_column(tmp_path, reference_text):
    import pandas as pd

    (tmp_path / "cm.csv").write_text(reference_text, encoding="utf-8")
    frame = pd.read_csv(tmp_path / "cm.csv", dtype={"group": str, "name": str})
    frame.loc[3, "severity"] = 0
    frame.to_parquet(tmp_path / "cm.parquet", index=False)
    with pytest.raises(InputError) as info:
        load_casemix("cm.parquet", base_dir=tmp_path, age_bands=BANDS)
    assert "cm.parquet: row 4, column severity: must be an integer 1-4 (got 0)" in str(info.value)
