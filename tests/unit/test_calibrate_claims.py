"""Claims import: each kind of bad row is reported by row (and CSV line) and excluded."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.calibrate.claims import claims_targets, print_problems, read_claims
from simulator.errors import InputError

HEADER = ("person_id,scheme,age,level,setting,admission_date,discharge_date,case_group,"
          "total_cost,in_scope_cost,fund_paid,self_paid,visits,chronic_care")
GOOD_ROWS = [
    "p1,resident,50,township,outpatient,2024-03-01,2024-03-01,,100,90,54,46,2,0",
    "p1,resident,50,county,inpatient,2024-05-02,2024-05-09,BR23,6000,5000,3500,2500,1,0",
    "p2,employee,61,village,outpatient,2024-01-10,2024-01-10,,30,30,21,9,1,1",
    "p3,resident,8,outside_agreement,inpatient,2024-07-01,2024-07-11,ES11,15000,12000,6000,9000,1,0",
]
# (kind, bad row, column named in the problem, message fragment)
BAD = [
    ("negative-cost", "b1,resident,40,township,outpatient,2024-02-01,2024-02-01,,-5,0,0,-5,1,0",
     "total_cost", "negative total_cost"),
    ("fund-above-total", "b2,resident,40,county,inpatient,2024-02-01,2024-02-03,X,100,100,150,-50,1,0",
     "fund_paid", "exceeds total_cost"),
    ("sum-mismatch", "b3,resident,40,county,outpatient,2024-02-01,2024-02-01,,100,90,50,40,1,0",
     "self_paid", "differs from total_cost"),
    ("unknown-level", "b4,resident,40,provincial,outpatient,2024-02-01,2024-02-01,,100,90,50,50,1,0",
     "level", "unknown level 'provincial'"),
    ("unknown-scheme", "b5,residnt,40,county,outpatient,2024-02-01,2024-02-01,,100,90,50,50,1,0",
     "scheme", "did you mean 'resident'"),
    ("unknown-setting", "b6,resident,40,county,emergency,2024-02-01,2024-02-01,,100,90,50,50,1,0",
     "setting", "unknown setting"),
    ("bad-date", "b7,resident,40,county,outpatient,2024-02-30,2024-02-30,,100,90,50,50,1,0",
     "admission_date", "unparseable date"),
    ("discharge-before", "b8,resident,40,county,inpatient,2024-02-10,2024-02-01,X,100,90,50,50,1,0",
     "discharge_date", "discharge before admission"),
    ("bad-age", "b9,resident,abc,county,outpatient,2024-02-01,2024-02-01,,100,90,50,50,1,0",
     "age", "integer 0-130"),
    ("in-scope-above", "b10,resident,40,county,outpatient,2024-02-01,2024-02-01,,100,120,50,50,1,0",
     "in_scope_cost", "exceeds total_cost"),
    ("bad-visits", "b11,resident,40,county,outpatient,2024-02-01,2024-02-01,,100,90,50,50,0,0",
     "visits", "integer >= 1"),
    ("empty-person", ",resident,40,county,outpatient,2024-02-01,2024-02-01,,100,90,50,50,1,0",
     "person_id", "empty person_id"),
]


def _write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "claims.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("kind, row, column, fragment", BAD, ids=[b[0] for b in BAD])
def test_bad_row_reported_and_excluded(tmp_path: Path, kind: str, row: str, column: str, fragment: str) -> None:
    rows = GOOD_ROWS[:2] + [row] + GOOD_ROWS[2:]
    claims = read_claims(_write(tmp_path, rows))
    assert claims.rows == 5 and len(claims.frame) == 4 and claims.excluded == 1
    mine = [p for p in claims.problems if p.path == f"row 3, column {column}"]
    assert mine, [str(p) for p in claims.problems]
    assert fragment in mine[0].message
    assert mine[0].line == 4  # header is line 1
    assert not claims.frame["person_id"].str.startswith("b").any()
    buffer = io.StringIO()
    print_problems(claims, buffer)
    assert "1 of 5 claim rows excluded" in buffer.getvalue() and "claims.csv:4" in buffer.getvalue()


def test_rounding_is_tolerated(tmp_path: Path) -> None:
    claims = read_claims(_write(tmp_path, ["r1,resident,40,county,outpatient,2024-02-01,2024-02-01,,100.00,90,"
                                           "50.01,50.00,1,0"]))
    assert claims.excluded == 0


def test_missing_columns_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_text(HEADER.replace("fund_paid", "fundpaid") + "\n" + GOOD_ROWS[0] + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_claims(path)
    assert "column fund_paid" in info.value.format() and "did you mean 'fundpaid'" in info.value.format()


def test_no_valid_row_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_claims(_write(tmp_path, [BAD[0][1], BAD[1][1]]))
    assert "no valid row" in info.value.format()


def test_parquet_and_optional_columns(tmp_path: Path) -> None:
    frame = pd.read_csv(io.StringIO("\n".join([HEADER, *GOOD_ROWS])))
    frame = frame.drop(columns=["visits", "chronic_care", "case_group"])
    frame["admission_date"] = pd.to_datetime(frame["admission_date"])
    frame["discharge_date"] = pd.to_datetime(frame["discharge_date"])
    path = tmp_path / "claims.parquet"
    frame.to_parquet(path)
    claims = read_claims(path)
    assert claims.excluded == 0 and (claims.frame["visits"] == 1).all()


def test_targets_from_claims(tmp_path: Path) -> None:
    claims = read_claims(_write(tmp_path, GOOD_ROWS))
    targets, table = claims_targets(claims, enrolled=10, quiet=True,
                                    measure_keys=["visits_per_person", "cost_per_admission",
                                                  "in_scope_fund_share.resident", "los"])
    values = {t.key: t for t in targets}
    # 3 visits among 10 insured: y = (2, 1, 0, ... 0)
    y = np.array([2, 1] + [0] * 8, float)
    assert values["visits_per_person"].value == pytest.approx(0.3)
    assert values["visits_per_person"].se == pytest.approx(y.std(ddof=1) / np.sqrt(10))
    assert values["cost_per_admission"].value == pytest.approx(10500)
    assert values["in_scope_fund_share.resident"].value == pytest.approx(9500 / 17000)
    assert values["los"].value == pytest.approx(8.5)
    with pytest.raises(InputError):
        claims_targets(claims, enrolled=1, quiet=True)  # fewer insured than claimants
