"""The report's design table: how the fund pays each enabled tier and what each scheme's patients
get there (payment method per service, in-scope share, deductible, reimbursement), and the yearly
benefit limits per scheme. Disabled tiers are left out (they have no care).
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING

from simulator.constants import SCHEME_NAMES, SERVICE_NAMES
from simulator.report.labels import Labels

if TYPE_CHECKING:
    from simulator.results import Results

#: words of the table: key -> (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "title": ("支付方式与待遇(按机构层级)", "Payment and benefits by tier"),
    "tier": ("机构层级", "Tier"),
    "payment": ("支付方式", "payment"),
    "inpatient_benefit": ("住院: 起付线 / 报销比例 / 政策范围内占比", "inpatient: deductible / fund share / in scope"),
    "outpatient_benefit": ("门诊 / 两病报销比例", "outpatient / chronic fund share"),
    "limits": ("年度待遇", "Yearly benefits"),
    "tiers": ("机构层级", "Tiers"),
    "disabled": ("未启用: {names}", "disabled: {names}"),
    "all_enabled": ("全部启用", "all enabled"),
    "limits_text": ("{scheme}: 住院封顶线 {cap}; 门诊起付线 {deductible}, 门诊年度限额 {limit}; 两病年度限额 {chronic}",
                    "{scheme}: inpatient cap {cap}; outpatient deductible {deductible}, outpatient limit "
                    "{limit}; chronic-care limit {chronic}"),
    "none": ("无", "none"),
    "yuan": ("{v:,.0f} 元", "{v:,.0f} yuan"),
}


def _t(labels: Labels, key: str, **fmt: object) -> str:
    zh, en = TEXT[key]
    return (zh if labels.zh else en).format(**fmt)


def _yuan(labels: Labels, value: float) -> str:
    return _t(labels, "none") if math.isinf(value) else _t(labels, "yuan", v=value)


def limit_rows(results: "Results", labels: Labels) -> list[tuple[str, str]]:
    """(setting, value) rows: the tiers left out, and the yearly benefit limits of each scheme."""
    enabled = results.scenario.tiers.enabled
    off = [labels.tier(t) for t, on in enumerate(enabled) if not on]
    tiers = _t(labels, "disabled", names=", ".join(off)) if off else _t(labels, "all_enabled")
    b = results.scenario.benefits
    parts = []
    for scheme in SCHEME_NAMES:
        sb = getattr(b, scheme)
        parts.append(_t(labels, "limits_text", scheme=labels.scheme(scheme),
                        cap=_yuan(labels, sb.inpatient.annual_cap),
                        deductible=_yuan(labels, sb.outpatient.deductible),
                        limit=_yuan(labels, sb.outpatient.annual_limit),
                        chronic=_yuan(labels, sb.chronic.annual_limit)))
    return [(_t(labels, "tiers"), tiers), (_t(labels, "limits"), "; ".join(parts))]


def design_table(results: "Results", labels: Labels) -> str:
    """``<h3>`` and a table: one row per enabled tier, payment method per service and each
    scheme's inpatient and outpatient benefit there."""
    s = results.scenario
    heads = [_t(labels, "tier")]
    heads += [f"{labels.service(service)} {_t(labels, 'payment')}" for service in SERVICE_NAMES]
    heads += [f"{labels.scheme(scheme)} {_t(labels, 'inpatient_benefit')}" for scheme in SCHEME_NAMES]
    heads += [f"{labels.scheme(scheme)} {_t(labels, 'outpatient_benefit')}" for scheme in SCHEME_NAMES]
    rows = []
    for tier, enabled in enumerate(s.tiers.enabled):
        if not enabled:
            continue
        cells = [labels.tier(tier)]
        cells += [labels.method(getattr(s.payment, service)[tier]) for service in SERVICE_NAMES]
        for scheme in SCHEME_NAMES:
            ip = getattr(s.benefits, scheme).inpatient
            cells.append(f"{ip.deductible[tier]:,.0f} / {ip.fund_share[tier]:.0%} / {ip.in_scope_share[tier]:.0%}")
        for scheme in SCHEME_NAMES:
            sb = getattr(s.benefits, scheme)
            cells.append(f"{sb.outpatient.fund_share[tier]:.0%} / {sb.chronic.fund_share[tier]:.0%}")
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    return (f"<h3>{escape(_t(labels, 'title'))}</h3>"
            f'<table class="design"><tr>{head}</tr>{"".join(rows)}</table>')
