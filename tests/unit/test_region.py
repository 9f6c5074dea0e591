"""Region runs (统筹区): one pool over several counties (simulator.region).

The one-county region is the single-county run to the bit; a fixed pool is spent to the yuan
across counties (zero-sum); a county that admits more takes payment from the others; two
identical counties are paid alike within 3 Monte Carlo SE; bad region files are exit 2 with the
key and line, nothing written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.cli import mcsim
from simulator.engine import run_worlds
from simulator.prepare import prepare
from simulator.region.engine import prepare_region, run_region_worlds
from simulator.region.spec import load_region

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "scenarios" / "reference.toml"
SMALL = '{ "population.size" = 6000, "population.villages" = 20, "population.townships" = 3 }'
RATES = [0.0616, 0.0792, 0.1496, 0.2816, 0.4224]


def region_file(folder: Path, counties: list[tuple[str, str]], *, pool: str = 'method = "drg"',
                extra: str = "", years: int = 2, replications: int = 4, start_year: int = 2026) -> Path:
    """A region file in ``folder`` over the reference scenario: ``counties`` as (name, overrides)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (f'[region]\nname = "test-region"\nstart_year = {start_year}\nyears = {years}\n'
            f"replications = {replications}\nseed = 11\nchunk_worlds = 2\n\n[region.pool]\n{pool}\n\n")
    for name, overrides in counties:
        text += f'[[region.county]]\nname = "{name}"\nscenario = "{REFERENCE}"\noverrides = {overrides}\n\n'
    path = folder / "region.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def _run(path: Path):
    prepared = prepare_region(load_region(path))
    return prepared, run_region_worlds(prepared, worlds=range(prepared.region.meta.replications))


def test_one_county_region_is_the_single_county_run(tmp_path):
    path = region_file(tmp_path, [("a", SMALL)], pool='method = "drg"\noutside_other = "pool"')
    prepared, out = _run(path)
    county = out.counties["a"]
    single = run_worlds(prepare(prepared.counties[0].model.scenario), worlds=range(4), seed=11)
    for key, values in single.indicators.items():
        assert np.array_equal(values, county.indicators[key], equal_nan=True), key
    assert np.array_equal(single.flows, county.flows)
    assert np.array_equal(single.referrals, county.referrals)
    assert np.array_equal(out.pool["point_value"], single.indicators["drg_point_value"])


def _pooled_payments(out, name):
    ind = out.counties[name].indicators
    return ind["drg_fund_payment"]


def test_fixed_pool_is_spent_to_the_yuan_and_more_admissions_take_from_the_other(tmp_path):
    pool = 'method = "drg"\nshare = 0.4\npoint_value_band = [0.05, 20.0]\noutside_other = "pool"'
    # no band: the settlement point value spends the pool exactly
    base = region_file(tmp_path / "base", [("a", SMALL), ("b", SMALL)], pool=pool)
    more = SMALL[:-2] + f', "demand.inpatient.rate_by_age" = {[round(r * 1.1, 6) for r in RATES]} }}'
    raised = region_file(tmp_path / "raised", [("a", more), ("b", SMALL)], pool=pool)
    _, out0 = _run(base)
    _, out1 = _run(raised)
    for out in (out0, out1):
        paid = _pooled_payments(out, "a") + _pooled_payments(out, "b")
        assert np.allclose(paid, out.pool["pool"], rtol=1e-12, atol=1e-6)  # zero-sum: the pool, spent
        assert np.all(out.pool["pool_deficit"] < 1e-6 * out.pool["pool"])
    assert np.array_equal(out0.pool["pool"], out1.pool["pool"])            # income budgets: the same pool
    # a admits more: its points, so its payments, rise; the point value, so b's payments, fall
    points = [out.counties["a"].flows[..., 0][:, :, :, 1].sum() for out in (out0, out1)]
    assert points[1] > points[0]
    assert _pooled_payments(out1, "a").mean() > _pooled_payments(out0, "a").mean()
    assert _pooled_payments(out1, "b").mean() < _pooled_payments(out0, "b").mean()
    assert out1.pool["point_value"].mean() < out0.pool["point_value"].mean()
    # b's first-year care is the same in both runs (its own noise key): only its price moved, with
    # the point value (later years differ: cost control responds to b's settlement)
    from simulator.engine import FLOW_FIELDS

    care = [k for k, name in enumerate(FLOW_FIELDS) if name != "payment"]
    assert np.array_equal(out0.counties["b"].flows[:, 0][..., care], out1.counties["b"].flows[:, 0][..., care])
    lower = out1.pool["point_value"] < out0.pool["point_value"]
    assert lower.any()
    assert np.all((_pooled_payments(out1, "b") < _pooled_payments(out0, "b"))[:, 0][lower[:, 0]])


def test_two_identical_counties_are_paid_alike_within_three_se(tmp_path):
    path = region_file(tmp_path, [("a", SMALL), ("b", SMALL)], replications=12, years=1)
    _, out = _run(path)
    a, b = _pooled_payments(out, "a")[:, 0], _pooled_payments(out, "b")[:, 0]
    diff = a - b
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    assert abs(diff.mean()) <= 3 * se
    assert not np.array_equal(a, b)  # their own process noise: not perfectly correlated
    assert np.array_equal(out.counties["a"].indicators["drg_point_value"],
                          out.counties["b"].indicators["drg_point_value"])


def test_region_run_writes_county_rows_and_reads_back(tmp_path):
    import pandas as pd

    path = region_file(tmp_path, [("a", SMALL), ("b", SMALL)],
                       extra='[[region.hospital]]\nname = "city"\nbeds = 500\nshares = { a = 1.0, b = 1.0 }\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(mcsim, ["run", str(path), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    worlds = pd.read_parquet(out / "worlds.parquet")
    assert list(worlds["county"].astype(str).unique()) == ["a", "b", "(region)"]
    region = worlds[worlds["county"] == "(region)"].set_index(["world", "year"])
    parts = worlds[worlds["county"] != "(region)"].groupby(["world", "year"]).sum(numeric_only=True)
    for key in ("fund_spending", "budget", "community_net", "enrolled", "drg_fund_payment"):
        assert np.allclose(region[key], parts[key], rtol=1e-12), key
    flows = pd.read_parquet(out / "flows.parquet")
    assert set(flows["county"].astype(str)) == {"a", "b"}
    hospitals = pd.read_parquet(out / "hospitals.parquet")
    tier = flows[flows["tier"] == "outside_agreement"].groupby(["world", "year"])["payment"].sum()
    assert np.allclose(hospitals.groupby(["world", "year"])["payment"].sum(), tier, rtol=1e-12)
    import json

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["counties"]) == {"a", "b"} and summary["region"]["name"] == "test-region"
    assert set(summary["counties"]["a"]) == {"indicators", "risk"}
    assert "counties" in summary and "prob_overspend" in summary["risk"]
    from simulator.results import Results

    loaded = Results.load(out)  # compare and report read the region's totals
    assert np.allclose(loaded.worlds["fund_spending"], region["fund_spending"].to_numpy())
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="region"' in html and "fig-region_counties" in html
    compare = CliRunner().invoke(mcsim, ["compare", str(out), str(out)])
    assert compare.exit_code == 0, compare.output


BAD = [
    ("missing county file", lambda d: region_file(d, [("a", SMALL)]).write_text(
        region_file(d, [("a", SMALL)]).read_text().replace(str(REFERENCE), "nowhere.toml")),
     "region.county[0].scenario", "scenario not found"),
    ("duplicate names", lambda d: region_file(d, [("a", SMALL), ("a", SMALL)]),
     "region.county[1].name", "duplicate county name"),
    ("start years", lambda d: region_file(d, [("a", SMALL), ("b", SMALL[:-2] + ', "scenario.start_year" = 2027 }')]),
     "region.county[1].scenario", "starts in 2027"),
    ("tier lists", lambda d: region_file(d, [("a", SMALL), ("b", SMALL[:-2] + ', "tiers.names" = '
                                          '["v", "t", "s", "c", "oa", "oo"] }')]),
     "region.county[1].overrides.tiers.names", "tier names are fixed"),
    ("hospital shares", lambda d: region_file(d, [("a", SMALL), ("b", SMALL)],
                                              extra='[[region.hospital]]\nname = "h"\nshares = { a = 0.6, b = 1.0 }\n'),
     "region.hospital[0].shares.a", "sum to 0.6"),
    ("unknown key", lambda d: region_file(d, [("a", SMALL)], pool='method = "drg"\nbasiss = "budget"'),
     "region.pool.basiss", "unknown key"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_region_files_exit_2_naming_key_and_line(tmp_path, case):
    _, make, key, words = case
    make(tmp_path)
    path = tmp_path / "region.toml"
    out = tmp_path / "out"
    result = CliRunner().invoke(mcsim, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert key in result.output and words in result.output, result.output
    assert "region.toml:" in result.output  # file and line
    assert not out.exists()
    assert not any(p.name.startswith(".out") for p in tmp_path.iterdir())


def test_validate_accepts_a_region_file():
    result = CliRunner().invoke(mcsim, ["validate", str(REPO / "scenarios" / "region" / "region.toml")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: example-region")


def _cli_run(path: Path, out: Path, *flags: str) -> dict[str, bytes]:
    done = subprocess.run([sys.executable, "-m", "simulator", "run", str(path), "--out", str(out), "-q", *flags],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return {f: (out / f).read_bytes() for f in ("worlds.parquet", "flows.parquet", "referrals.parquet")}


def test_region_results_identical_across_executors_and_after_kill(tmp_path):
    """In-process and on worker processes give the same bytes; so does a run killed with SIGKILL
    after its first chunk and started again (it resumes from the kept chunks)."""
    import time

    path = region_file(tmp_path, [("a", SMALL), ("b", SMALL)], replications=4, years=1)
    local = _cli_run(path, tmp_path / "local")
    assert _cli_run(path, tmp_path / "proc", "--executor", "processes", "--workers", "2") == local
    out, parts = tmp_path / "killed", tmp_path / ".killed.region-parts"
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "run", str(path), "--out", str(out), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list(parts.glob("*.pkl")) and proc.poll() is None:
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    assert list(parts.glob("*.pkl")) or out.exists()  # killed after a chunk (or it had finished)
    assert _cli_run(path, out) == local
    assert not parts.exists()


@pytest.mark.slow
def test_region_results_identical_on_a_dask_cluster(tmp_path):
    pytest.importorskip("distributed")
    path = region_file(tmp_path, [("a", SMALL), ("b", SMALL)], replications=4, years=1)
    assert _cli_run(path, tmp_path / "dask", "--executor", "dask", "--workers", "2") == \
        _cli_run(path, tmp_path / "local")


def test_a_bad_pool_value_points_at_the_pool_key(tmp_path):
    path = region_file(tmp_path, [("a", SMALL)], pool='method = "drg"\npoint_value_band = [1.2, 1.5]')
    result = CliRunner().invoke(mcsim, ["validate", str(path)])
    assert result.exit_code == 2
    assert "region.pool.point_value_band" in result.output and "region.toml:" in result.output, result.output


def test_a_bad_set_names_set_not_the_county_entry(tmp_path):
    path = region_file(tmp_path, [("a", SMALL)])
    result = CliRunner().invoke(mcsim, ["validate", str(path), "--set", "budget.risk_reserv=0.07"])
    assert result.exit_code == 2
    assert "--set: budget.risk_reserv" in result.output, result.output
    assert "overrides.budget" not in result.output
