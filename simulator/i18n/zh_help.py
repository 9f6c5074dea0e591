"""Chinese of ``--help``: each paragraph of a command's help and each option's help (English, with
whitespace collapsed to single spaces → Chinese), and the comments of the example lines."""

_GROUP = {
    "mcsim — Monte Carlo simulator for county medical-community global budgets (医共体医保总额付费).":
        "mcsim — 县域医共体医保总额付费的蒙特卡洛模拟器。",
    "Examples:": "示例：",
    "Example:": "示例：",
    "starter scenario": "入门场景",
    "Refuse file references outside the folder of the file that names them (for services running "
    "others' scenarios; also MCSIM_SAFE_PATHS=1).":
        "拒绝引用其所在文件的文件夹之外的文件（供运行他人场景的服务使用；也可设 MCSIM_SAFE_PATHS=1）。",
    "Language of messages, errors and help (default: MCSIM_LANG, else the locale; a command's own --lang wins).":
        "消息、错误和帮助的语言（默认取 MCSIM_LANG，否则取系统区域设置；命令自己的 --lang 优先）。",
    "Override a scenario key (dotted path; value parsed as TOML), e.g. --set budget.risk_reserve=0.07. Repeatable.":
        "覆盖场景中的一个键（以点分隔的路径；值按 TOML 解析），例如 --set budget.risk_reserve=0.07。可重复。",
    "Threads (default: all cores; more than the cores or NUMBA_NUM_THREADS is capped with a warning).":
        "线程数（默认：全部核；超过核数或 NUMBA_NUM_THREADS 时截断并给出警告）。",
}

_RUN = {
    "Simulate SCENARIO (TOML) and write summary.json, worlds.parquet, flows.parquet, report.html, figures/ "
    "and scenario.resolved.toml.":
        "模拟场景 SCENARIO（TOML 文件），写出 summary.json、worlds.parquet、flows.parquet、report.html、"
        "figures/ 和 scenario.resolved.toml。",
    "A region file (top-level [region] table: several counties and city hospitals under one points pool, "
    "docs/region.md) runs every county and writes the same files with a county column.":
        "区域文件（顶层有 [region] 表：多个县和市级医院共用一个点数池，见 docs/region.md）会运行其中每个县，"
        "写出同样的文件并增加县列。",
    "Results folder (default results/<scenario name>/). Replaced atomically.":
        "结果文件夹（默认 results/<场景名>/）。整体原子替换。",
    "Worlds to simulate (default: the scenario's).": "模拟世界数（默认取场景中的设置）。",
    "Master seed (default: the scenario's, else fresh; recorded).": "主随机种子（默认取场景中的设置，否则新生成；会被记录）。",
    "Add chunks of worlds until every year's standard error of FIGURE (prob_overspend, overspend_var95, ... "
    "community_loss_cvar95) is at most SE; --replications is the ceiling. Repeatable.":
        "逐块增加模拟世界，直到每年 FIGURE（prob_overspend、overspend_var95、… community_loss_cvar95）"
        "的标准误不超过 SE；--replications 为上限。可重复。",
    "Print summary.json to stdout.": "把 summary.json 打印到标准输出。",
    "No progress bar or closing summary on stderr.": "标准错误上不显示进度条和结束摘要。",
    "Region files: run chunks of worlds on a batch executor (default: in this process).":
        "区域文件：在批量执行器上分块运行模拟世界（默认：在本进程中）。",
    "Region files: workers of --executor.": "区域文件：--executor 的工作进程数。",
    "Region files: a dask scheduler (--executor dask).": "区域文件：dask 调度器地址（--executor dask）。",
}

_VALIDATE_INIT_WARMUP = {
    "Validate SCENARIO (a TOML file): exit 0 with a one-line summary and the resolved settlement rules, "
    "or exit 2 listing every problem.":
        "校验场景 SCENARIO（TOML 文件）：通过时以退出码 0 输出一行摘要和解析后的清算规则，"
        "否则以退出码 2 列出全部问题。",
    "Write DIRECTORY/scenario.toml, a commented starter scenario (default: the current folder).":
        "写出 DIRECTORY/scenario.toml，一个带注释的入门场景（默认：当前文件夹）。",
    "The starter is the reference county scaled down (50,000 insured, 20 worlds) so a first run is quick; "
    "every table is explained in its comments. The scenario is named after the folder.":
        "入门场景是缩小规模的参考县（5 万参保人，20 个模拟世界），首次运行很快；每个表的含义见其注释。"
        "场景以文件夹命名。",
    "Overwrite an existing scenario.toml.": "覆盖已有的 scenario.toml。",
    "Compile the simulation kernels now (numba caches them), so the next run starts at once.":
        "现在编译模拟内核（numba 会缓存），以便下次运行立即开始。",
    "A fresh install, a new mcsim version or a new numba compiles the kernels on their first run "
    "(tens of seconds); `mcsim warmup` does it ahead, for example in a set-up script.":
        "全新安装、新版 mcsim 或新版 numba 会在首次运行时编译内核（需数十秒）；`mcsim warmup` "
        "可提前完成，例如写在安装脚本中。",
    "Language of the message.": "消息的语言。",
}

_SETTLE = {
    "Year-end settlement of a budget (结余留用/超支分担).": "年终清算总额预算（结余留用/超支分担）。",
    "Settle a year under settlement rules (docs/settlement.md).": "按清算规则对一年进行清算（见 docs/settlement.md）。",
    "RULES is a preset name (county-tiered, full-carryover, aca-corridor, mssp-basic-c) or a rules TOML file. "
    "Amounts are yuan; thousands separators are accepted (100,000,000).":
        "RULES 为预设名（county-tiered、full-carryover、aca-corridor、mssp-basic-c）或规则 TOML 文件。"
        "金额单位为元，可用千分位分隔符（100,000,000）。",
    "With --input, the table (CSV in UTF-8 or GBK, or an xlsx workbook) has columns budget, spending[, score]"
    "[, reasonable], or their zh labels 总额预算, 基金支出, 考核得分, 合理超支; other columns pass through. An "
    "empty score cell means full score, an empty reasonable cell all overspend reasonable. The output holds "
    "the inputs and every settlement quantity: CSV (UTF-8 with a BOM, for Excel) or, when --out ends in "
    ".xlsx, .parquet or .json, that format. Without --out, CSV goes to standard output. Table formats and "
    "encodings: docs/tables.md.":
        "使用 --input 时，表格（UTF-8 或 GBK 编码的 CSV，或 xlsx 工作簿）含 budget、spending[、score]"
        "[、reasonable] 列，或其中文列名 总额预算、基金支出、考核得分、合理超支；其他列原样保留。score "
        "为空表示满分，reasonable 为空表示超支全部合理。输出包含输入和全部清算量：CSV（带 BOM 的 UTF-8，"
        "便于 Excel 打开），或当 --out 以 .xlsx、.parquet、.json 结尾时为相应格式。不给 --out 时 CSV "
        "输出到标准输出。表格格式与编码见 docs/tables.md。",
    "Preset name or rules TOML file.": "预设名或规则 TOML 文件。",
    "Budget B (总额预算), yuan, > 0.": "总额预算 B，元，> 0。",
    "Fund liability S for the year (基金支出), yuan, >= 0.": "当年基金支出 S，元，>= 0。",
    "Assessment score q (考核得分); default: full score.": "考核得分 q；默认：满分。",
    "Reasonable overspend Rz (合理超支), yuan; default: all overspend is reasonable.": "合理超支 Rz，元；默认：超支全部合理。",
    "Settle every row of a table (CSV or .xlsx) instead.": "改为清算表格（CSV 或 .xlsx）中的每一行。",
    "With an xlsx --input: the sheet to read (name or number from 1; default the first).":
        "--input 为 xlsx 时：要读取的工作表（名称或从 1 起的序号；默认第一个）。",
    "With a CSV --input: its encoding (default: UTF-8 or GBK, detected), e.g. gbk.":
        "--input 为 CSV 时：其编码（默认自动识别 UTF-8 或 GBK），例如 gbk。",
    "With --input: write the settled table here (atomically; .xlsx, .parquet or .json by name, else CSV) "
    "instead of CSV to stdout.":
        "与 --input 一起使用：把清算结果表写到此处（原子写入；按扩展名为 .xlsx、.parquet 或 .json，否则为 CSV），"
        "而不是以 CSV 输出到标准输出。",
    "Print JSON: the inputs and the spec's outputs.": "打印 JSON：输入和规范规定的输出。",
}

_POINTS = {
    "Year-end DRG/DIP points calculation of a case list.": "病例清单的年终 DRG/DIP 点数计算。",
    "Value a year of cases under DRG points (点数法) or DIP scores (按病种分值).": "按 DRG 点数法或 DIP 按病种分值计算一年病例的价值。",
    "CASES is a CSV (UTF-8 or GBK), parquet or xlsx file (first sheet, or --sheet), one row per case: group "
    "and cost (yuan) required; oop (the patient's share, yuan; default 0); weight (DRG relative weight, "
    "required for drg); score (DIP 病种分值; default: the group's mean cost ÷ the mean cost of all cases × "
    "score_scale); tier (0-5, a tier name or its zh label; default coefficient 1). The zh labels 病组, 总费用, "
    "个人负担, 相对权重, 病种分值, 医疗机构层级 are accepted as column names. Formats and encodings: "
    "docs/tables.md. FILE is a rules TOML with a [payment.drg] or [payment.dip] table, or a whole scenario "
    "file. DRG's base_groups_uniform is ignored: a case list does not say which groups are base groups.":
        "CASES 为 CSV（UTF-8 或 GBK）、parquet 或 xlsx 文件（第一个工作表，或由 --sheet 指定），每行一个病例："
        "group 和 cost（元）必填；oop（个人负担，元；默认 0）；weight（DRG 相对权重，drg 必填）；score（DIP "
        "病种分值；默认：该病组平均费用 ÷ 全部病例平均费用 × score_scale）；tier（0-5、层级名或其中文名；"
        "默认系数 1）。也可用中文列名 病组、总费用、个人负担、相对权重、病种分值、医疗机构层级。格式与编码见 "
        "docs/tables.md。FILE 为含 [payment.drg] 或 [payment.dip] 表的规则 TOML，或完整的场景文件。"
        "DRG 的 base_groups_uniform 会被忽略：病例清单并不说明哪些病组是基础病组。",
    "--pool YUAN floats the point value: cases are booked at the budget point value (the table's point_value "
    "unless --budget-point-value) and the settlement point value spends the pool within point_value_band "
    "and point_value_floor. --point-value V fixes it at V.":
        "--pool YUAN 使点值浮动：病例按预算点值记账（除非给出 --budget-point-value，否则为表中的 "
        "point_value），清算点值在 point_value_band 和 point_value_floor 范围内用完点数池。"
        "--point-value V 把点值固定为 V。",
    "Rules or scenario TOML with a [payment.drg] or [payment.dip] table.": "含 [payment.drg] 或 [payment.dip] 表的规则或场景 TOML。",
    "The table to use (default: the one present).": "使用哪个表（默认：文件中已有的那个）。",
    "Floating: the points pool (yuan) the year's payments spend.": "浮动点值：当年支付所用的点数池（元）。",
    "Fixed point value, yuan per point.": "固定点值，元/点。",
    "With --pool: the budget point value (预算点值) cases are booked at; default point_value.":
        "与 --pool 一起使用：病例记账所用的预算点值；默认 point_value。",
    "With an xlsx CASES: the sheet to read (name or number from 1; default the first).":
        "CASES 为 xlsx 时：要读取的工作表（名称或从 1 起的序号；默认第一个）。",
    "With a CSV CASES: its encoding (default: UTF-8 or GBK, detected), e.g. gbk.":
        "CASES 为 CSV 时：其编码（默认自动识别 UTF-8 或 GBK），例如 gbk。",
    "Write one row per case (.csv with a BOM, .xlsx, .parquet or .json), atomically.":
        "每个病例写一行（带 BOM 的 .csv、.xlsx、.parquet 或 .json），原子写入。",
    "Print the figures as JSON.": "以 JSON 打印结果数值。",
    "Language of the table (default zh).": "表格的语言（默认 zh）。",
    "No progress line on stderr.": "标准错误上不显示进度行。",
}

_BATCH = {
    "Run a sweep of scenario variants (local or dask).": "运行场景方案的参数扫描（本机或 dask）。",
    "Run the sweep SWEEP (a TOML file) and write one partitioned parquet dataset.":
        "运行参数扫描 SWEEP（TOML 文件），写出一个分区的 parquet 数据集。",
    "Tasks are variant × county × chunk of worlds; every variant uses the same seed and worlds (common random "
    "numbers). OUT (default results/<sweep name>/) receives dataset/ (partitioned by variant and county), "
    "summary.csv, variants.csv, failures.csv when some tasks failed, and tornado.png for one-at-a-time "
    "sweeps. An interrupted batch continues with --resume (only the missing tasks run; the dataset comes "
    "out byte-identical).":
        "任务按 方案 × 县 × 模拟世界分块 划分；各方案使用相同的随机种子和模拟世界（共用随机数）。OUT（默认 "
        "results/<扫描名>/）中写入 dataset/（按方案和县分区）、summary.csv、variants.csv，有任务失败时写入 "
        "failures.csv，逐一变动的扫描还写入 tornado.png。中断的批次可用 --resume 续跑（只运行缺少的任务；"
        "数据集逐字节相同）。",
    "With --objective and/or --constraint, summary.csv gains the columns objective_value, rank, feasible and "
    "win_prob: every variant ranked within each county and year against the first variant, world by world "
    "(docs/ranking.md). --pareto KEY1,KEY2 writes pareto.png and pareto.csv: each variant's last-year "
    "statistic of the two metrics and which variants are on the front.":
        "给出 --objective 和/或 --constraint 时，summary.csv 增加 objective_value、rank、feasible 和 win_prob "
        "列：在每个县、每一年内，逐个模拟世界与第一个方案比较并排序（见 docs/ranking.md）。--pareto KEY1,KEY2 "
        "写出 pareto.png 和 pareto.csv：各方案两个指标的末年统计量，以及哪些方案位于前沿上。",
    "Exit codes: 0 all tasks done; 2 bad input (the sweep file, an option, or a variant value":
        "退出码：0 全部任务完成；2 输入有误（参数扫描文件、某个选项，或某个方案的取值",
    "that does not validate: the other tasks still run); 1 a task failed otherwise.":
        "未通过校验：其余任务照常运行）；1 有任务因其他原因失败。",
    "local: this machine, worker threads for small batches (estimated under 30 s of simulation per worker) "
    "and worker processes otherwise; threads or processes to choose; dask: dask.distributed.":
        "local：本机，小批次（估计每个工作单元模拟不到 30 秒）用工作线程，否则用工作进程；threads 或 "
        "processes：指定其一；dask：dask.distributed。",
    "dask scheduler address (tcp://host:8786); default a LocalCluster on this machine.":
        "dask 调度器地址（tcp://host:8786）；默认在本机启动 LocalCluster。",
    "Workers (default: CPUs available); the LocalCluster's size with dask.": "工作进程数（默认：可用 CPU 数）；使用 dask 时为 LocalCluster 的规模。",
    "Complete the batch already in OUT: run only missing tasks.": "续完 OUT 中已有的批次：只运行缺少的任务。",
    "Output folder (default results/<sweep name>/).": "输出文件夹（默认 results/<扫描名>/）。",
    "Rank the variants by this indicator or risk figure (summary.csv columns).": "按此指标或风险量对方案排序（summary.csv 的列）。",
    "A condition every variant must meet (>=, <=, >, <); repeat for more.": "每个方案都须满足的条件（>=、<=、>、<）；可重复。",
    "Statistic over worlds ranked, constrained and plotted: the mean or a quantile.": "用于排序、约束和作图的跨模拟世界统计量：均值或分位数。",
    "Pareto-front figure of two metrics (each KEY[:min|max]): pareto.png, pareto.csv.":
        "两个指标（各为 KEY[:min|max]）的帕累托前沿图：pareto.png、pareto.csv。",
    "Language of the Pareto figure.": "帕累托图的语言。",
    "Also write the summary table to FILE: .xlsx (keys in row 1, a sheet of zh/en labels), "
    ".csv (UTF-8 with a BOM), .parquet or .json.":
        "另将汇总表写入 FILE：.xlsx（第 1 行为字段键，另有中英文标签工作表）、.csv（带 BOM 的 UTF-8）、.parquet 或 .json。",
}

_CALIBRATE = {
    "Fit parameters of SCENARIO to targets (--targets) or to claims (--claims), print the fit table and write "
    "the calibrated scenario.":
        "按目标（--targets）或结算数据（--claims）拟合场景 SCENARIO 的参数，打印拟合表并写出校准后的场景。",
    "Targets TOML: [[target]] (key, value, se, year) and [[parameter]] (key, low, high, scale, multiply).":
        "目标 TOML：[[target]]（key、value、se、year）和 [[parameter]]（key、low、high、scale、multiply）。",
    "Claims CSV (UTF-8 or GBK), xlsx or parquet (simulator.claims_schema): targets are derived from it.":
        "结算数据 CSV（UTF-8 或 GBK）、xlsx 或 parquet（见 simulator.claims_schema）：由其推导目标。",
    "With an xlsx --claims: the sheet to read (name or number from 1; default the first).":
        "--claims 为 xlsx 时：要读取的工作表（名称或从 1 起的序号；默认第一个）。",
    "With a CSV --claims: its encoding (default: UTF-8 or GBK, detected), e.g. gbk.":
        "--claims 为 CSV 时：其编码（默认自动识别 UTF-8 或 GBK），例如 gbk。",
    "Parameters TOML ([[parameter]] entries); replaces those of --targets.": "参数 TOML（[[parameter]] 条目）；替换 --targets 中的参数。",
    "Insured persons per year behind the claims (claims hold only users).": "结算数据背后每年的参保人数（结算数据只含就诊者）。",
    "Measure to derive from the claims (repeatable; default a standard set).": "从结算数据推导的测度（可重复；默认一组标准测度）。",
    "Calibrated scenario TOML (default <scenario name>.calibrated.toml).": "校准后的场景 TOML（默认 <场景名>.calibrated.toml）。",
    "Also write the targets used (e.g. those derived from claims) as a targets TOML.": "同时把所用目标（例如由结算数据推导的）写成目标 TOML。",
    "Worlds per evaluation (default 8).": "每次评估的模拟世界数（默认 8）。",
    "Seed of every evaluation (common random numbers).": "每次评估的随机种子（共用随机数）。",
    "Insured persons per evaluation world (default 20000).": "每个评估模拟世界的参保人数（默认 20000）。",
    "Cap on simulations.": "模拟次数上限。",
    "Skip the full-size run of the calibrated scenario.": "跳过校准后场景的完整规模运行。",
    "Print the fit (targets and parameters) as JSON.": "以 JSON 打印拟合结果（目标和参数）。",
    "Only errors and warnings on stderr.": "标准错误上只显示错误和警告。",
}

_RESULTS = {
    "Compare runs: indicators side by side with differences.": "比较多次运行：并列显示各指标及其差异。",
    "Compare the results folders DIR... (the first is the reference).": "比较结果文件夹 DIR...（第一个为参照）。",
    "For each indicator: the mean over worlds in the first and the last year of each run, and the difference "
    "from the first run with a 90% interval. Runs with the same seed and worlds are compared world by world "
    "(paired: common random numbers), others by their means and SDs.":
        "对每个指标：给出每次运行首年和末年跨模拟世界的均值，以及与第一次运行的差异及其 90% 区间。随机种子和"
        "模拟世界相同的运行逐个模拟世界配对比较（共用随机数），其他运行按均值和标准差比较。",
    "With --objective or --constraint, the runs are also ranked in one year (docs/ranking.md): feasible designs "
    "first, then by the objective, with the probability over worlds that each beats the first run (paired "
    "runs only; ties count ½). --out then also writes STEM-ranking.":
        "给出 --objective 或 --constraint 时，还会在某一年对运行排序（见 docs/ranking.md）：可行方案在前，"
        "再按目标排序，并给出各模拟世界中优于第一次运行的概率（仅限配对运行；持平计 ½）。此时 --out "
        "还会写出 STEM-ranking。",
    "Write the comparison to FILE (.csv with a BOM, .xlsx, .parquet or .json by its name) and a figure next to "
    "it (same stem, .png).":
        "把比较结果写到 FILE（按扩展名为带 BOM 的 .csv、.xlsx、.parquet 或 .json），并在旁边写一张图（同名，.png）。",
    "Language of labels (default: the first run's [output].lang).": "标签的语言（默认：第一次运行的 [output].lang）。",
    "Rank the runs by this indicator or risk figure (default direction: docs/ranking.md).":
        "按此指标或风险量对运行排序（默认方向见 docs/ranking.md）。",
    "A condition every design must meet (>=, <=, >, <); repeat for more.": "每个方案都须满足的条件（>=、<=、>、<）；可重复。",
    "Year of the ranking (default: the last year).": "排序所用的年份（默认：末年）。",
    "Statistic over worlds ranked and constrained: the mean or a quantile (p05, p95).":
        "用于排序和约束的跨模拟世界统计量：均值或分位数（p05、p95）。",
    "Explain a change: enrolment, volume, case mix, prices, tiers, rules.": "解释变化：参保、服务量、病种结构、价格、层级、规则。",
    "Split the change of fund spending, total cost, balance and community net into enrolment, volume, "
    "case_mix, unit_price, tier_shift, benefit, payment and settlement: exactly, world by world "
    "(docs/explain.md), with the mean and the range of 90% of worlds of each part.":
        "把基金支出、总费用、结余和医共体净收益的变化精确地、逐个模拟世界地分解为 enrolment（参保）、volume"
        "（服务量）、case_mix（病种结构）、unit_price（单价）、tier_shift（层级转移）、benefit（待遇）、"
        "payment（支付方式）和 settlement（清算）（见 docs/explain.md），并给出每部分的均值和 90% 模拟世界的范围。",
    "One results folder: from one year to another. Two folders run with the same seed, worlds and tiers: DIR "
    "against DIR_B, world by world (common random numbers).":
        "一个结果文件夹：从某年到另一年。两个以相同随机种子、模拟世界和层级运行的文件夹：DIR 对 DIR_B，"
        "逐个模拟世界比较（共用随机数）。",
    "first year -> last year": "首年 -> 末年",
    "Year the change starts from (one run: default the first year; two runs: DIR's year).":
        "变化的起始年份（一次运行：默认首年；两次运行：DIR 的年份）。",
    "Year the change goes to (one run: default the last year; two runs: DIR_B's year).":
        "变化的终止年份（一次运行：默认末年；两次运行：DIR_B 的年份）。",
    "Print {measure: {change, parts, lo90, hi90, ...}} as JSON.": "以 JSON 打印 {measure: {change, parts, lo90, hi90, ...}}。",
    "Write the table to FILE (.csv with BOM, .xlsx, .parquet, .json) and the waterfall figure next to it "
    "(same stem, .png).":
        "把表写到 FILE（带 BOM 的 .csv、.xlsx、.parquet、.json），并在旁边写出瀑布图（同名，.png）。",
    "Language of labels (default: DIR's [output].lang).": "标签的语言（默认：DIR 的 [output].lang）。",
    "Rebuild report.html and figures/ from stored results.": "由已保存的结果重建 report.html 和 figures/。",
    "Rebuild DIR/report.html and DIR/figures/*.png from the results `mcsim run` wrote in DIR.":
        "由 `mcsim run` 写在 DIR 中的结果重建 DIR/report.html 和 DIR/figures/*.png。",
    "The new files are written into a temporary folder first and replace the old ones only when all are "
    "complete. With --out FILE only the report is written, to FILE.":
        "新文件先写入临时文件夹，全部完成后才替换旧文件。给出 --out FILE 时只写报告，写到 FILE。",
    "Language of the report (default: the scenario's [output].lang).": "报告的语言（默认：场景的 [output].lang）。",
    "Write the report to this HTML file instead (figures embedded; DIR is left unchanged), e.g. to keep a "
    "Chinese and an English report side by side.":
        "改为把报告写到此 HTML 文件（图嵌入其中；DIR 保持不变），例如用于并存中文和英文报告。",
}

HELP = {**_GROUP, **_RUN, **_VALIDATE_INIT_WARMUP, **_SETTLE, **_POINTS, **_BATCH, **_CALIBRATE, **_RESULTS}
