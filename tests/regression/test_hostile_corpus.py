"""The worst inputs the fuzz harness found (benchmarks/fuzz_inputs.py, tests/property/test_fuzz_inputs.py),
pinned: each a real ``python -m simulator`` process with its arguments and the exit code it must end
in (0, or 2 naming the key), with no traceback and no output left behind. Those that fail today
are strict xfails with the reason, so they flip (and must be un-marked) once fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import fuzz_inputs as fz

REF = str(fz.REFERENCE)
SMALL = ["--set", "population.size=2000", "--set", "scenario.years=2", "--replications", "4", "-q"]
BIG = str(2 ** 63)

SWEEP = '''[sweep]
name = "hostile"
base = "{base}"
replications = 2
chunk_worlds = 2
overrides = {{ "population.size" = 2000, "scenario.years" = 2 }}

[[vary]]
kind = {kind}
key = "budget.risk_reserve"
values = [0.03, 0.05]
'''


def xfail(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


# (id, arguments ({tmp} is the test's folder, {out} the output that must not be left), files to
# write into {tmp}, expected exit code, text the output must hold)
CORPUS = [
    ("validate-beds-inf", ["validate", REF, "--set", "tiers.beds[1]=inf"], {}, 2, "tiers.beds[1]"),
    ("validate-size-negative", ["validate", REF, "--set", "population.size=-1"], {}, 2, "population.size"),
    ("validate-years-huge-float", ["validate", REF, "--set", "scenario.years=1e308"], {}, 2, "scenario.years"),
    ("validate-indicator-weight-nan",
     ["validate", REF, "--set", "settlement.assessment.indicators[0].weight=nan"], {}, 2,
     "settlement.assessment.indicators[0].weight"),
    ("validate-param-index-out-of-range", ["validate", REF, "--set", "uncertainty.param[9].mean=1"], {}, 2,
     "uncertainty.param[9].mean"),
    ("validate-scheme-shares-string", ["validate", REF, "--set", 'population.scheme_shares="x"'], {}, 2,
     "population.scheme_shares"),
    ("run-beds-inf-leaves-nothing", ["run", REF, *SMALL, "--set", "tiers.beds[1]=inf", "--out", "{out}"], {}, 2,
     "tiers.beds[1]"),
    ("settle-budget-nan", ["settle", "--rules", "county-tiered", "--budget", "nan", "--spending", "1"], {}, 2,
     "--budget"),
    ("settle-spending-inf", ["settle", "--rules", "county-tiered", "--budget", "1e8", "--spending", "inf"], {}, 2,
     "--spending"),
    ("settle-csv-nan-leaves-nothing",
     ["settle", "--rules", "county-tiered", "--input", "{tmp}/in.csv", "--out", "{out}"],
     {"in.csv": "budget,spending\nnan,1e8\n"}, 2, "budget: must be > 0 and finite"),
    ("settle-csv-short-row-leaves-nothing",
     ["settle", "--rules", "county-tiered", "--input", "{tmp}/in.csv", "--out", "{out}"],
     {"in.csv": "budget,spending,score\n1e8,9e7\n"}, 2, "expected 3 cells"),
    # committed HEAD 4fbc181 let these validate and `mcsim run` exit 1 (numpy "Maximum allowed
    # dimension exceeded" traceback); the bounds of the working tree refuse them at validation
    ("run-size-2-63", ["run", REF, *SMALL, "--set", f"population.size={BIG}", "--out", "{out}"], {}, 2,
     "population.size"),
    ("run-villages-2-63", ["run", REF, *SMALL, "--set", f"population.villages={BIG}", "--out", "{out}"], {}, 2,
     "population.villages"),
    # a tolerance of 1e308 validated, ran, then the report's figure failed on an infinite axis (exit 1)
    ("validate-tolerance-1e308", ["validate", REF, "--set", "settlement.assessment.indicators[1].tolerance=1e+308"],
     {}, 2, "settlement.assessment.indicators[1].tolerance"),
    # committed HEAD 4fbc181: plan_tasks built 2**62 chunk ranges (MemoryError, 24 GB before the
    # OOM killer); the working tree bounds sweep.replications at 1,000,000
    ("batch-replications-2-63", ["batch", "{tmp}/sweep.toml", "--out", "{out}", "--workers", "1"],
     {"sweep.toml": SWEEP.format(base=fz.REFERENCE.as_posix(), kind='"grid"')
      .replace("replications = 2", f"replications = {BIG}")}, 2, "sweep.replications"),
    pytest.param(
        "validate-lognormal-mean-2-63", ["validate", REF, "--set", f"uncertainty.param[5].mean={BIG}"], {}, 2,
        "uncertainty.param[5]"),
    pytest.param(
        "batch-vary-kind-table", ["batch", "{tmp}/sweep.toml", "--out", "{out}", "--workers", "1"],
        {"sweep.toml": SWEEP.format(base=fz.REFERENCE.as_posix(), kind="{ a = 1 }")}, 2, "vary[0].kind"),
    pytest.param(
        "batch-vary-kind-list", ["batch", "{tmp}/sweep.toml", "--out", "{out}", "--workers", "1"],
        {"sweep.toml": SWEEP.format(base=fz.REFERENCE.as_posix(), kind="[]")}, 2, "vary[0].kind"),
]

# A huge but finite value (1e308) times the budget overflowed with a raw numpy RuntimeWarning
# (exit 0); now refused at input (exit 2, no warning).
WARNINGS = [
    ("settle-csv-budget-1e308", ["settle", "--rules", "county-tiered", "--input", "{tmp}/in.csv"],
     {"in.csv": "budget,spending\n1e308,9e7\n"},
     "1e308 budget passes `> 0 and finite`, then the settlement arithmetic overflows to inf "
     "(numpy RuntimeWarning printed, exit 0); bound the amounts or refuse a non-finite result"),
    ("settle-rules-cap-rate-1e308",
     ["settle", "--rules", "{tmp}/rules.toml", "--budget", "1e8", "--spending", "9e7"],
     {"rules.toml": (fz.PRESETS / "county-tiered.toml").read_text(encoding="utf-8")
      .replace("cap_rate = inf\n", "cap_rate = 1e308\n", 1)},
     "surplus cap_rate = 1e308 is accepted; settlement/core.py `sur.cap_rate * B` overflows "
     "(RuntimeWarning: overflow encountered in multiply, exit 0)"),
]


def materialise(args: list[str], files: dict[str, str], tmp: Path) -> tuple[list[str], Path]:
    for name, text in files.items():
        (tmp / name).write_text(text, encoding="utf-8")
    out = tmp / "out" / "result"
    out.parent.mkdir()
    return [a.replace("{tmp}", str(tmp)).replace("{out}", str(out)) for a in args], out


@pytest.mark.parametrize("name, args, files, code, named", CORPUS, ids=[
    getattr(c, "values", c)[0] for c in CORPUS])
def test_hostile_input_exits_cleanly(name, args, files, code, named, tmp_path):
    argv, out = materialise(args, files, tmp_path)
    timeout = fz.RUN_TIMEOUT if argv[0] in ("run", "batch") else fz.VALIDATE_TIMEOUT
    got, output = fz.invoke_subprocess(argv, timeout)
    assert got is not None, f"hang: {fz.shell(argv)}"
    assert "Traceback" not in output, output[-3000:]
    assert got == code, output[-3000:]
    if code == 2:
        assert named in output, output[-3000:]
        assert fz.leftovers(out) == [], fz.leftovers(out)


@pytest.mark.parametrize("name, args, files, reason", WARNINGS, ids=[w[0] for w in WARNINGS])
def test_huge_finite_values_settle_without_a_python_warning(name, args, files, reason, tmp_path, request):
    # fixed: amounts above 1e15 yuan and finite rates above 1,000 budgets are refused (exit 2)
    argv, _ = materialise(args, files, tmp_path)
    got, output = fz.invoke_subprocess(argv, fz.SETTLE_TIMEOUT)
    assert got in (0, 2) and "Traceback" not in output, output[-3000:]
    assert not fz.warned(output), output[-3000:]
