"""Make mcsim's built-in reference data: the reference case mix and a sample population file.

Run from anywhere (the repository's virtual environment active)::

    python data/synthetic/make_reference_data.py          # (re)write the files
    python data/synthetic/make_reference_data.py --check  # exit 1 if a file differs

Writes
- ``simulator/builtin/casemix_reference.csv``: the ``builtin:reference`` case mix (``[casemix]``),
  from the group table :data:`GROUPS` below; byte-for-byte reproducible (no randomness);
- ``data/synthetic/casemix_reference.csv``: a relative symlink to it (one copy of the data);
- ``data/synthetic/people_sample.parquet``: 5,000 people synthesized from the reference
  ``[population]`` parameters with seed 20261125 (``simulator.population``).

How the case mix is built (sources: ``shared/domain/facts.md``, ``shared/spec/reference_scenario.toml``):

- ``GROUPS`` holds, per group, a CHS-DRG-style code (MDC letter, A-J surgical / K-Q procedure /
  R-Z medical, ADRG number, last digit 1 = with major complications, 3 = with complications,
  5 = without, 9 = not split; styled after CHS-DRG 1.1, not an official grouping), a Chinese name,
  severity 1-4 (the tier capability needed: 1 township, 2 sub-centre, 3 county hospital,
  4 out-of-county tertiary only), the mean cost of one admission at county-hospital prices (yuan),
  mean LOS at the county hospital (days), the flags, and relative admission rates per 10,000
  people of each age band. Only the pattern within a band matters: ``share_<band>`` is a group's
  rate divided by the band's total rate.
- A group's overall frequency weights bands by their admissions, ``w_b ∝ age_share_b x
  rate_by_age_b`` with the reference scenario's ``[population].age_shares`` and
  ``[demand.inpatient].rate_by_age``; ``weight = base_cost / sum_g f_g base_cost_g`` so the
  admission-weighted mean weight is 1.
- Calibration targets: admission-weighted mean cost ≈ 6,425 yuan (facts.md: secondary public
  hospital ≈ county, 6,425 per admission, 2023), mean LOS ≈ 8 days (facts.md: public hospitals
  8.4 days), severity mix ≈ 45/35/15/5 % (project brief).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CASEMIX_FILE = ROOT / "simulator" / "builtin" / "casemix_reference.csv"
CASEMIX_LINK = ROOT / "data" / "synthetic" / "casemix_reference.csv"
CASEMIX_LINK_TARGET = "../../simulator/builtin/casemix_reference.csv"
SAMPLE_FILE = ROOT / "data" / "synthetic" / "people_sample.parquet"
SAMPLE_SIZE = 5_000
SAMPLE_SEED = 20261125

# Reference scenario (shared/spec/reference_scenario.toml), [population] and [demand.inpatient].
AGE_BANDS = ("0-14", "15-44", "45-59", "60-74", "75+")
AGE_SHARES = (0.19, 0.36, 0.21, 0.17, 0.07)
INPATIENT_RATE_BY_AGE = (0.07, 0.09, 0.17, 0.32, 0.48)

SHARE_DECIMALS = 6

# code, name, severity, base_cost (yuan, county prices), los_mean (days, county),
# post_acute, long_stay, base_group, relative admissions per 10,000 people by band
# (0-14, 15-44, 45-59, 60-74, 75+).
GROUPS = [
    # severity 1: common conditions a township health centre can treat
    ("EX15", "急性上呼吸道感染",            1,  2000,  4, 0, 0, 1, (80, 12, 18, 25, 35)),
    ("ES36", "小儿支气管肺炎",              1,  2600,  6, 0, 0, 0, (170, 0, 0, 0, 0)),
    ("ES35", "肺炎(不伴并发症)",            1,  3300,  7, 0, 0, 0, (0, 25, 55, 140, 220)),
    ("EX25", "急性支气管炎",                1,  2400,  6, 0, 0, 1, (50, 15, 25, 60, 80)),
    ("GZ15", "急性胃肠炎",                  1,  2100,  4, 0, 0, 1, (50, 35, 35, 45, 50)),
    ("GD25", "单纯性阑尾炎(阑尾切除术)",    1,  5000,  6, 0, 0, 1, (15, 35, 20, 10, 5)),
    ("OC15", "正常分娩(阴道分娩)",          1,  3200,  4, 0, 0, 1, (0, 130, 0, 0, 0)),
    ("LU15", "尿路感染",                    1,  2800,  6, 0, 0, 0, (6, 20, 28, 45, 65)),
    ("BX25", "眩晕",                        1,  2800,  5, 0, 0, 0, (0, 15, 45, 70, 80)),
    ("FT25", "高血压病",                    1,  3000,  6, 0, 0, 0, (0, 8, 45, 90, 110)),
    ("KS15", "糖尿病(不伴并发症)",          1,  3200,  7, 0, 0, 0, (0, 8, 50, 80, 60)),
    ("IU25", "腰椎间盘突出症(保守治疗)",    1,  3500,  7, 0, 0, 0, (0, 35, 70, 75, 50)),
    ("GU25", "胃炎及消化性溃疡",            1,  2900,  5, 0, 0, 0, (4, 30, 45, 55, 55)),
    ("ET25", "慢性阻塞性肺病(不伴并发症)",  1,  3500,  7, 0, 0, 0, (0, 0, 25, 120, 190)),
    ("JS25", "皮肤软组织感染",              1,  2800,  7, 0, 0, 0, (15, 20, 20, 25, 30)),
    ("HS25", "胆囊炎及胆石症(非手术)",      1,  3300,  7, 0, 0, 0, (0, 25, 45, 55, 60)),
    ("GE15", "腹股沟疝修补术",              1,  4600,  5, 0, 0, 1, (15, 10, 20, 30, 25)),
    ("GF15", "混合痔手术",                  1,  3800,  6, 0, 0, 1, (0, 25, 30, 20, 8)),
    ("LS25", "尿路结石(非手术)",            1,  2800,  5, 0, 0, 0, (0, 25, 30, 25, 15)),
    ("OR15", "先兆流产及早孕期疾患",        1,  2300,  5, 0, 0, 0, (0, 40, 0, 0, 0)),
    ("SU15", "病毒性感染(含手足口病)",      1,  2000,  5, 0, 0, 0, (90, 10, 5, 5, 5)),
    ("IU35", "膝骨关节病(保守治疗)",        1,  3200,  7, 0, 0, 0, (0, 4, 30, 65, 60)),
    ("IR25", "闭合性骨折及软组织损伤(保守治疗)", 1, 3000, 7, 0, 0, 0, (25, 30, 35, 40, 50)),
    ("XR25", "骨关节康复",                  1,  9000, 30, 0, 1, 0, (0, 3, 8, 20, 25)),
    # severity 2: needs a sub-centre (中心卫生院) or the county hospital
    ("BR25", "脑梗死(不伴并发症)",          2,  6000,  9, 1, 0, 0, (0, 3, 50, 170, 290)),
    ("ET21", "慢性阻塞性肺病(伴并发症)",    2,  6000,  9, 0, 0, 0, (0, 0, 12, 80, 170)),
    ("FR35", "心力衰竭",                    2,  5500,  9, 0, 0, 0, (2, 3, 15, 80, 220)),
    ("FR25", "冠心病及心绞痛(内科治疗)",    2,  4800,  8, 0, 0, 0, (0, 5, 50, 130, 170)),
    ("FV25", "心律失常",                    2,  4800,  7, 0, 0, 0, (2, 6, 20, 50, 80)),
    ("GS15", "消化道出血",                  2,  5200,  8, 0, 0, 0, (1, 10, 25, 45, 70)),
    ("HC35", "胆囊切除术",                  2,  8000,  7, 0, 0, 0, (0, 15, 35, 40, 25)),
    ("GD23", "复杂性阑尾炎手术(伴穿孔或腹膜炎)", 2, 7500, 8, 0, 0, 0, (8, 10, 8, 8, 6)),
    ("IF25", "四肢骨折内固定术",            2, 10000, 10, 1, 0, 0, (15, 35, 40, 45, 30)),
    ("KS13", "糖尿病(伴并发症)",            2,  5500,  9, 0, 0, 0, (0, 4, 35, 75, 65)),
    ("LR15", "慢性肾脏病及肾功能衰竭",      2,  6000,  9, 0, 0, 0, (1, 8, 20, 40, 50)),
    ("NE15", "子宫及附件良性病变手术",      2,  8500,  7, 0, 0, 0, (0, 30, 30, 5, 1)),
    ("OB15", "剖宫产",                      2,  5800,  6, 0, 0, 0, (0, 90, 0, 0, 0)),
    ("CB39", "白内障手术",                  2,  4800,  3, 0, 0, 0, (1, 2, 10, 60, 80)),
    ("DC15", "鼻窦及扁桃体手术",            2,  5000,  5, 0, 0, 0, (20, 15, 10, 5, 2)),
    ("RE15", "恶性肿瘤化学治疗",            2,  5000,  7, 0, 0, 0, (1, 10, 45, 70, 35)),
    ("TS15", "精神分裂症",                  2, 10000, 45, 0, 1, 0, (0, 15, 12, 6, 2)),
    ("XR15", "神经系统康复(卒中后)",        2, 10500, 35, 0, 1, 0, (0, 1, 8, 25, 30)),
    ("PU15", "新生儿黄疸",                  2,  3000,  6, 0, 0, 0, (35, 0, 0, 0, 0)),
    ("BZ15", "癫痫及惊厥",                  2,  4000,  7, 0, 0, 0, (15, 8, 6, 6, 6)),
    ("KD15", "甲状腺及乳腺良性病变手术",    2,  7500,  6, 0, 0, 0, (0, 15, 18, 8, 2)),
    ("MA15", "经尿道前列腺切除术",          2,  9500,  8, 0, 0, 0, (0, 0, 8, 30, 35)),
    ("GS25", "肠梗阻(非手术)",              2,  6000,  8, 0, 0, 0, (5, 8, 12, 20, 30)),
    ("ES32", "小儿重症肺炎",                2,  4800,  9, 0, 0, 0, (45, 0, 0, 0, 0)),
    ("EX35", "支气管哮喘",                  2,  3800,  7, 0, 0, 0, (15, 6, 10, 20, 20)),
    ("VR25", "颅脑损伤(保守治疗)",          2,  7500, 10, 1, 0, 0, (8, 15, 15, 15, 18)),
    # severity 3: county hospital (县级医院) or above
    ("BR23", "脑梗死(伴并发症)",            3,  9000, 12, 1, 0, 0, (0, 1, 22, 90, 190)),
    ("BR15", "脑出血(非手术)",              3, 11000, 15, 1, 0, 0, (0, 3, 20, 45, 60)),
    ("FR11", "急性心肌梗死",                3, 10000, 10, 0, 0, 0, (0, 2, 12, 30, 40)),
    ("FM19", "经皮冠状动脉支架植入",        3, 22000,  8, 0, 0, 0, (0, 1, 10, 18, 8)),
    ("ES31", "肺炎(伴严重并发症)",          3,  8500, 10, 0, 0, 0, (8, 2, 12, 60, 180)),
    ("FR31", "心力衰竭(伴严重并发症)",      3,  8000, 10, 0, 0, 0, (0, 1, 5, 35, 110)),
    ("IC29", "髋部骨折手术",                3, 20000, 12, 1, 0, 0, (0, 2, 8, 30, 90)),
    ("IB19", "脊柱融合及椎管减压术",        3, 22000, 13, 0, 0, 0, (0, 4, 14, 18, 5)),
    ("HS15", "急性胰腺炎",                  3,  9000, 11, 0, 0, 0, (0, 14, 16, 12, 10)),
    ("SR11", "脓毒症",                      3, 11000, 12, 0, 0, 0, (3, 3, 8, 18, 35)),
    ("PR13", "早产及低出生体重儿",          3, 10000, 14, 0, 0, 0, (18, 0, 0, 0, 0)),
    ("ER11", "呼吸衰竭",                    3,  9500, 12, 0, 0, 0, (2, 1, 8, 40, 100)),
    ("RU15", "恶性肿瘤(姑息及并发症治疗)",  3,  7500, 12, 0, 0, 0, (0, 5, 28, 60, 60)),
    ("VJ15", "农药及药物中毒",              3,  6000,  7, 0, 0, 0, (6, 14, 10, 8, 6)),
    # severity 4: beyond a county hospital (capability 3): out-of-county tertiary care
    ("FB29", "心脏大手术(含先天性心脏病)",  4, 40000, 18, 0, 0, 0, (4, 2, 8, 14, 6)),
    ("BB19", "开颅手术",                    4, 30000, 20, 0, 0, 0, (2, 5, 14, 20, 10)),
    ("BM19", "脑血管介入治疗",              4, 35000, 14, 0, 0, 0, (0, 2, 8, 16, 8)),
    ("ZB19", "多发严重创伤",                4, 28000, 18, 0, 0, 0, (4, 14, 14, 12, 8)),
    ("EB19", "肺癌根治性手术",              4, 26000, 12, 0, 0, 0, (0, 2, 10, 16, 5)),
    ("GB19", "胃及结直肠癌根治术",          4, 27000, 15, 0, 0, 0, (0, 3, 16, 28, 14)),
    ("HB19", "肝胆胰大手术",                4, 28000, 18, 0, 0, 0, (0, 2, 6, 10, 5)),
    ("RA19", "白血病及淋巴瘤化学治疗",      4, 20000, 20, 0, 0, 0, (6, 5, 6, 9, 4)),
    ("LA19", "泌尿系统恶性肿瘤手术",        4, 22000, 13, 0, 0, 0, (0, 1, 5, 10, 6)),
    ("NA19", "女性生殖系统恶性肿瘤手术",    4, 20000, 14, 0, 0, 0, (0, 5, 10, 5, 1)),
    ("PB19", "极低出生体重儿及新生儿重症",  4, 25000, 30, 0, 0, 0, (8, 0, 0, 0, 0)),
    ("AH19", "呼吸机支持及气管切开",        4, 36000, 22, 0, 0, 0, (2, 2, 4, 10, 14)),
    ("RC19", "恶性肿瘤放射治疗",            4, 16000, 25, 0, 0, 0, (0, 3, 12, 18, 8)),
]

HEADER = ["group", "name", "weight", "severity", "base_cost", "los_mean",
          "post_acute", "long_stay", "base_group"] + [f"share_{b}" for b in AGE_BANDS]


def band_admission_weights() -> np.ndarray:
    """Each band's share of admissions in the reference scenario: age share x admission rate."""
    w = np.asarray(AGE_SHARES) * np.asarray(INPATIENT_RATE_BY_AGE)
    return w / w.sum()


def age_shares_by_group() -> np.ndarray:
    """(n_groups, n_bands) shares, rounded to SHARE_DECIMALS; each column sums to exactly 1.

    Rounding residue goes to the largest entry of each column.
    """
    rates = np.array([g[8] for g in GROUPS], dtype=np.float64)
    unit = 10**SHARE_DECIMALS
    units = np.rint(rates / rates.sum(axis=0) * unit).astype(np.int64)
    for j in range(units.shape[1]):
        units[np.argmax(units[:, j]), j] += unit - units[:, j].sum()
    return units / unit


def casemix_csv() -> bytes:
    """The reference case mix as UTF-8 CSV bytes (deterministic)."""
    codes = [g[0] for g in GROUPS]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate group codes in GROUPS")
    shares = age_shares_by_group()
    cost = np.array([g[3] for g in GROUPS], dtype=np.float64)
    frequency = shares @ band_admission_weights()
    mean_cost = float(frequency @ cost)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for i, (code, name, severity, base_cost, los, post, long_stay, base, _) in enumerate(GROUPS):
        writer.writerow([code, name, f"{base_cost / mean_cost:.4f}", severity, f"{base_cost:.0f}",
                         f"{los:.1f}", post, long_stay, base]
                        + [f"{s:.{SHARE_DECIMALS}f}" for s in shares[i]])
    return out.getvalue().encode("utf-8")


def reference_population_params(size: int) -> SimpleNamespace:
    """The reference scenario's [population] table, with ``size`` people."""
    ns = SimpleNamespace
    return ns(size=size, growth_rate=-0.004, age_bands=list(AGE_BANDS), age_shares=list(AGE_SHARES),
              ageing_shift=0.004, scheme_shares=ns(resident=0.88, employee=0.12),
              hypertension_prevalence=[0.0, 0.08, 0.30, 0.48, 0.58],
              diabetes_prevalence=[0.0, 0.03, 0.11, 0.17, 0.19], chronic_trend=0.01,
              signing_rate=0.40, signing_rate_chronic=0.75, villages=220, townships=16,
              distance_township_km=ns(mean=6.0, cv=0.6), distance_county_km=ns(mean=35.0, cv=0.5),
              distance_outside_km=ns(agreement=120.0, other=300.0))


def sample_population():
    """5,000 people from the reference parameters, seed 20261125."""
    _use_repo_package()
    from simulator.population import synthesize_population

    return synthesize_population(reference_population_params(SAMPLE_SIZE), SAMPLE_SEED)


def _use_repo_package() -> None:
    """Import ``simulator`` from this checkout even when it is not installed."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def summary() -> str:
    """Calibration figures of the case mix (printed by the script)."""
    shares = age_shares_by_group()
    f = shares @ band_admission_weights()
    severity = np.array([g[2] for g in GROUPS])
    cost = np.array([g[3] for g in GROUPS], dtype=np.float64)
    los = np.array([g[4] for g in GROUPS], dtype=np.float64)
    lines = [f"groups: {len(GROUPS)}",
             f"admission-weighted mean cost at county prices: {f @ cost:,.0f} yuan",
             f"admission-weighted mean LOS at county: {f @ los:.2f} days"]
    lines += [f"severity {s}: {f[severity == s].sum():.3f} of admissions" for s in (1, 2, 3, 4)]
    for label, col in (("post_acute", 5), ("long_stay", 6), ("base_group", 7)):
        mask = np.array([g[col] for g in GROUPS]) == 1
        names = ", ".join(g[0] for g in GROUPS if g[col])
        lines.append(f"{label}: {mask.sum()} groups, {f[mask].sum():.3f} of admissions ({names})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a difference")
    args = parser.parse_args(argv)
    _use_repo_package()
    from simulator.population import write_population

    wanted = casemix_csv()
    population = sample_population()
    if args.check:
        import tempfile

        ok = CASEMIX_FILE.is_file() and CASEMIX_FILE.read_bytes() == wanted
        ok &= CASEMIX_LINK.is_symlink() and os.readlink(CASEMIX_LINK) == CASEMIX_LINK_TARGET
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / SAMPLE_FILE.name
            write_population(population, fresh, AGE_BANDS)
            ok &= SAMPLE_FILE.is_file() and SAMPLE_FILE.read_bytes() == fresh.read_bytes()
        print("up to date" if ok else "out of date: run without --check")
        return 0 if ok else 1
    CASEMIX_FILE.write_bytes(wanted)
    if CASEMIX_LINK.is_symlink() or CASEMIX_LINK.exists():
        CASEMIX_LINK.unlink()
    CASEMIX_LINK.symlink_to(CASEMIX_LINK_TARGET)
    write_population(population, SAMPLE_FILE, AGE_BANDS)
    print(summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
