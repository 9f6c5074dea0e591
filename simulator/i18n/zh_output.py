"""Chinese of the lines commands print (progress, closing summaries, notices): English → Chinese.

Translated on the way out (:mod:`simulator.i18n.output`), a line at a time; the placeholders of a
template match whatever the command filled in (numbers, names, paths).
"""

OUTPUT = {
    "next steps:": "下一步：",
    "  edit the file: each table is explained in its comments; try changes with --set KEY=VALUE":
        "  编辑该文件：每个表的含义见其注释；可用 --set KEY=VALUE 试验改动",
    "edit the file: each table is explained in its comments; try changes with --set KEY=VALUE":
        "编辑该文件：每个表的含义见其注释；可用 --set KEY=VALUE 试验改动",
    "note: the calibrated file is a plain dump (the scenario's comments could not be kept)":
        "注意：校准后的文件为直接导出（未能保留场景中的注释）",
    "numba's default (__pycache__)": "numba 的默认位置（__pycache__）",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "required": "必填",
    "Missing command.": "缺少命令。",
    "Aborted!": "已中止！",
}

OUTPUT_PATTERNS = [
    # mcsim run
    ("wrote {target}/ — {worlds} worlds × {years} years, seed {seed}, {seconds} s ({rate} M episodes/s)",
     "已写入 {target}/ — {worlds} 个模拟世界 × {years} 年，随机种子 {seed}，用时 {seconds} 秒（每秒 {rate} 百万人次）"),
    ("{key} year {year}: mean {mean} [{low}, {high}]", "{key} {year} 年：均值 {mean} [{low}, {high}]"),
    ("prob_overspend by year (± Monte Carlo SE): {values}", "prob_overspend 各年超支概率（± 蒙特卡洛标准误）：{values}"),
    ("--target-se met: {n} worlds {rest}", "--target-se 已达到：{n} 个模拟世界 {rest}"),
    ("--target-se not met at the ceiling: {n} worlds {rest}", "--target-se 在上限处仍未达到：{n} 个模拟世界 {rest}"),
    ("warning: --threads {n} is more than the {limit} threads numba can run on this machine "
     "(NUMBA_NUM_THREADS, default the number of cores); using {m}",
     "警告：--threads {n} 超过本机 numba 可运行的 {limit} 个线程（NUMBA_NUM_THREADS，默认为核数）；改用 {m}"),
    ("notice: {rest}", "提示：{rest}"),
    # region runs
    ("wrote {target}/ — region {name}: {rest}", "已写入 {target}/ — 区域 {name}：{rest}"),
    ("chunk {done}/{count}", "分块 {done}/{count}"),
    # mcsim batch
    ("sweep {name}: {v} variants × {c} counties × {k} chunks = {n} tasks ({w} worlds each variant, {p} per task, seed {seed})",
     "参数扫描 {name}：{v} 个方案 × {c} 个县 × {k} 个分块 = {n} 个任务（每个方案 {w} 个模拟世界，每个任务 {p} 个，随机种子 {seed}）"),
    ("region sweep {name}: {v} variants × {k} chunks = {n} tasks, each every county of region {region} "
     "({c} counties coupled by the pool; {w} worlds each variant, {p} per task, seed {seed})",
     "区域参数扫描 {name}：{v} 个方案 × {k} 个分块 = {n} 个任务，每个任务含区域 {region} 的全部县"
     "（{c} 个县经点数池相互关联；每个方案 {w} 个模拟世界，每个任务 {p} 个，随机种子 {seed}）"),
    ("resuming {out}: {done} tasks done, {left} to run", "续跑 {out}：已完成 {done} 个任务，尚余 {left} 个"),
    ("invalid variant {id} ({label}), its tasks are skipped:", "方案 {id}（{label}）无效，跳过其任务："),
    ("executor {kind} ({mode}), {n} workers → {out}", "执行器 {kind}（{mode}），{n} 个工作进程 → {out}"),
    ("estimated time: about {shown} of simulation ({work} core-seconds at {rate} µs per person-year, "
     "{n} workers; a rough guide)", "预计用时：模拟约 {shown}（{work} 核·秒，每人年 {rate} 微秒，{n} 个工作进程；仅供参考）"),
    ("under 1 s", "不到 1 秒"),
    ("{n} s", "{n} 秒"),
    ("{n} min", "{n} 分钟"),
    ("wrote {out}/ — {ran} tasks run, {skipped} already done, {failed} failed; {seconds} s",
     "已写入 {out}/ — 运行 {ran} 个任务，{skipped} 个此前已完成，{failed} 个失败；用时 {seconds} 秒"),
    ("tornado chart: {path}", "龙卷风图：{path}"),
    ("{n} tasks failed (details in {path}):", "{n} 个任务失败（详见 {path}）："),
    ("Pareto front ({a}, {b}): {rest}", "帕累托前沿（{a}，{b}）：{rest}"),
    ("mean over worlds, year {year} (all years and p05/p50/p95 in {path}):",
     "各模拟世界的均值，{year} 年（各年数据及 p05/p50/p95 见 {path}）："),
    ("ranking, year {year} (win_prob: P(beats {ref}) over worlds):", "排序，{year} 年（win_prob：各模拟世界中优于 {ref} 的概率）："),
    ("tasks {bar}", "任务 {bar}"),
    # mcsim validate
    ("ok: {name} — {size} insured, {years} years from {start}, {worlds} worlds, settlement '{rules}', hash {hash}",
     "通过：{name} — {size} 名参保人，自 {start} 年起 {years} 年，{worlds} 个模拟世界，清算规则 '{rules}'，哈希 {hash}"),
    ("ok: {name} — population from {file}, {years} years from {start}, {worlds} worlds, settlement '{rules}', "
     "hash {hash}", "通过：{name} — 人口取自 {file}，自 {start} 年起 {years} 年，{worlds} 个模拟世界，清算规则 '{rules}'，"
     "哈希 {hash}"),
    ("ok: {name} — {n} counties, {m} city hospitals, {years} years from {start}, {worlds} worlds, {rest}",
     "通过：{name} — {n} 个县，{m} 家市级医院，自 {start} 年起 {years} 年，{worlds} 个模拟世界，{rest}"),
    ("county {name}: {size} insured, settlement '{rules}', {rest}", "县 {name}：{size} 名参保人，清算规则 '{rules}'，{rest}"),
    ("hospital {name}: {rest}", "医院 {name}：{rest}"),
    # mcsim init
    ("wrote {target}", "已写入 {target}"),
    ("mcsim validate {target} # check it (exit 0 = ok)", "mcsim validate {target} # 校验（退出码 0 表示通过）"),
    ("mcsim run {target} # simulate; results go to results/<name>/", "mcsim run {target} # 模拟；结果写入 results/<name>/"),
    # report, compare, explain, settle
    ("wrote {target} ({lang})", "已写入 {target}（{lang}）"),
    ("wrote {report} and {figures}/ ({lang})", "已写入 {report} 和 {figures}/（{lang}）"),
    ("wrote {out} and {figure}", "已写入 {out} 和 {figure}"),
    ("settled {n} rows with {rules} -> {out}", "已按 {rules} 清算 {n} 行 -> {out}"),
    # calibrate
    ("claims: {valid} valid rows of {rows}; {n} targets derived", "结算数据：{rows} 行中有效 {valid} 行；推导出 {n} 个目标"),
    ("calibrating {n} parameters to {m} targets: {rest}", "正在把 {n} 个参数校准到 {m} 个目标：{rest}"),
    ("fitted: chi² = {chi2} after {n} evaluations ({message})", "拟合完成：{n} 次评估后 chi² = {chi2}（{message}）"),
    ("checking the calibrated scenario at full size ({n} persons)", "正在以完整规模（{n} 人）检验校准后的场景"),
    ("evaluation {k}/{n}: chi² = {rest}", "第 {k}/{n} 次评估：chi² = {rest}"),
    ("start: chi² = {chi2}", "初始：chi² = {chi2}"),
    # points
    ("reading {file}… {rest}", "正在读取 {file}… {rest}"),
    # warmup
    ("kernels already cached, loaded in {s} s (cache: {folder})", "内核已在缓存中，加载用时 {s} 秒（缓存：{folder}）"),
    ("compiled the simulation kernels in {s} s (cache: {folder})", "已编译模拟内核，用时 {s} 秒（缓存：{folder}）"),
    ("Compiling the simulation kernels (first run only, about {n} s)…", "正在编译模拟内核（仅首次，约 {n} 秒）…"),
    # click's own messages (usage errors, --version)
    ("Error: {message}", "错误：{message}"),
    ("No such option {name}.", "没有这个选项 {name}。"),
    ("No such option {name}. Did you mean {other}?", "没有这个选项 {name}。是否应为 {other}？"),
    ("No such option {name}. (Did you mean one of: {others}?)", "没有这个选项 {name}。（是否应为以下之一：{others}？）"),
    ("No such command {name}.", "没有这个命令 {name}。"),
    ("No such command {name}. Did you mean {other}?", "没有这个命令 {name}。是否应为 {other}？"),
    ("Option {name} does not take a value.", "选项 {name} 不接受值。"),
    ("{value} is not in the range {range}.", "{value} 不在范围 {range} 之内。"),
    ("Missing argument {name}.", "缺少参数 {name}。"),
    ("Missing option {name}.", "缺少选项 {name}。"),
    ("Try '{command} {option}' for help.", "运行 '{command} {option}' 查看帮助。"),
    ("Option {name} requires an argument.", "选项 {name} 需要一个值。"),
    ("Got unexpected extra argument ({args})", "多出了参数（{args}）"),
    ("Got unexpected extra arguments ({args})", "多出了参数（{args}）"),
    ("Invalid value for {name}: {message}", "{name} 的值无效：{message}"),
    ("{value} is not one of {choices}.", "{value} 不是 {choices} 之一。"),
    ("{value} is not a valid integer.", "{value} 不是有效的整数。"),
    ("{value} is not a valid float.", "{value} 不是有效的数。"),
    ("File {name} does not exist.", "文件 {name} 不存在。"),
    ("Directory {name} does not exist.", "文件夹 {name} 不存在。"),
    ("Path {name} does not exist.", "路径 {name} 不存在。"),
    ("File {name} is a directory.", "文件 {name} 是文件夹。"),
    ("Directory {name} is a file.", "文件夹 {name} 是文件。"),
    ("{prog}, version {version}", "{prog}，版本 {version}"),
    ("default: {value}", "默认：{value}"),
    ("env var: {name}", "环境变量：{name}"),
    # mcsim validate: the resolved settlement and the parameter uncertainty
    ("settlement: {name} ({origin}), withhold {rate}", "清算规则：{name}（{origin}），质量保证金 {rate}"),
    ("preset", "预置"),
    ("surplus (retain):       min rate {low}, cap {cap}, bands [{bands}]",
     "结余留用（留用比例）：       最低比例 {low}，上限 {cap}，分段 [{bands}]"),
    ("overspend (fund share): min rate {low}, cap {cap}, bands [{bands}]",
     "超支分担（基金分担比例）：   最低比例 {low}，上限 {cap}，分段 [{bands}]"),
    ("assessment: mode {mode}, full score {full}, pass score {pass_}, applies to {applies}",
     "考核：方式 {mode}，满分 {full}，及格分 {pass_}，作用于 {applies}"),
    ("nothing (the score changes no amount)", "无（得分不改变任何金额）"),
    ("indicators: none (score = full score {full})", "考核指标：无（得分 = 满分 {full}）"),
    ("indicators (from the scenario): {n}, total weight {w}", "考核指标（来自场景）：{n} 项，总权重 {w}"),
    ("indicators (from the rules file): {n}, total weight {w}", "考核指标（来自规则文件）：{n} 项，总权重 {w}"),
    ("{head} tolerance {tol} weight {rest}", "{head} 容差 {tol} 权重 {rest}"),
    ("uncertainty: none (process noise only); {county}", "参数不确定性：无（仅过程噪声）；{county}"),
    ("uncertainty: {state}; {n} params, {k} independent draws per world; {county}",
     "参数不确定性：{state}；{n} 个参数，每个模拟世界 {k} 个独立抽样；{county}"),
    ("one county, population seed {seed}", "同一县域人口，人口种子 {seed}"),
    ("{head}; fast", "{head}；快速路径"),
    ("{head}; structural", "{head}；结构路径（每个模拟世界单独编译）"),
    ("correlated (Gaussian copula): {params}", "相关（高斯 copula）：{params}"),
    ("{law} × every element", "{law} × 每个元素"),
    ("{law} truncated to [{low}, {high}]", "{law} 截断于 [{low}, {high}]"),
    # mcsim validate of a region: the counties and hospitals
    ("county {name}: {size} insured, settlement '{rules}', community, hash {hash}",
     "县 {name}：{size} 名参保人，清算规则 '{rules}'，医共体，哈希 {hash}"),
    ("county {name}: {size} insured, settlement '{rules}', no community budget, hash {hash}",
     "县 {name}：{size} 名参保人，清算规则 '{rules}'，无医共体预算，哈希 {hash}"),
    ("hospital {name}: {shares}", "医院 {name}：{shares}"),
]
