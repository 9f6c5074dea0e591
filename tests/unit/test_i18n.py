"""simulator.i18n: the language precedence, Chinese and English errors, --help and printed lines,
and a coverage check that every problem message written in the source has a Chinese entry."""

from __future__ import annotations

import ast
import inspect
import re
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from simulator.cli import mcsim
from simulator.errors import InputError, Problem
from simulator.i18n import current_lang, translate
from simulator.i18n.catalogue import catalogue, compile_template, lookup
from simulator.i18n.help import display_width, wrap
from simulator.i18n.lang import Invocation, active_invocation, invocation, locale_lang
from simulator.i18n.output import translate_output
from tests.conftest import write_scenario

SOURCE = Path(__file__).resolve().parents[2] / "simulator"
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG", "MCSIM_LANG")


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    """Every test starts from the CI machine's situation: C locale, no MCSIM_LANG."""
    for var in LOCALE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


def invoke(args, env=None):
    return CliRunner().invoke(mcsim, args, env=env, terminal_width=80)


# ---------------------------------------------------------------------------------------------
# the same bad input in both languages (the acceptance test)
# ---------------------------------------------------------------------------------------------

def _typo_scenario(tmp_path: Path) -> tuple[Path, int]:
    path = write_scenario(tmp_path, replace=[("risk_reserve", "risk_reserv")])
    line = next(k for k, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text.startswith("risk_reserv "))
    return path, line


def test_a_bad_key_reads_in_chinese_and_english_with_the_same_file_key_and_line(tmp_path):
    path, line = _typo_scenario(tmp_path)
    en = invoke(["validate", str(path)], env={"MCSIM_LANG": "en"})
    zh = invoke(["validate", str(path)], env={"MCSIM_LANG": "zh"})
    assert en.exit_code == zh.exit_code == 2
    where = f"{path}:{line}: budget.risk_reserv: "
    assert f"{where}unknown key (did you mean 'risk_reserve'?)" in en.stderr
    assert f"{where}未知的键（是否应为 'risk_reserve'？）" in zh.stderr
    assert en.stderr.startswith("error: invalid scenario")
    assert zh.stderr.startswith("错误：场景") and "1 个问题" in zh.stderr
    assert "Traceback" not in zh.output


def test_a_missing_file_and_a_bad_set_in_chinese(tmp_path):
    missing = tmp_path / "nope.toml"
    zh = invoke(["--lang", "zh", "run", str(missing)])
    assert zh.exit_code == 2
    assert f"{missing}: 场景文件未找到（请检查路径；相对路径以当前目录为准）" in zh.stderr
    path, _ = _typo_scenario(tmp_path)
    zh = invoke(["--lang", "zh", "validate", str(path), "--set", "budget.x"])
    assert "--set: budget.x: 应为 KEY=VALUE，例如 budget.risk_reserve=0.07" in zh.stderr


def test_range_and_type_errors_of_the_schema_in_chinese(tmp_path):
    path = write_scenario(tmp_path, {"budget.risk_reserve": -0.5, "scenario.years": "5"})
    zh = invoke(["validate", str(path)], env={"MCSIM_LANG": "zh"})
    assert zh.exit_code == 2
    assert "budget.risk_reserve: 应大于或等于 0（实际为 -0.5）" in zh.stderr
    assert "scenario.years: 应为整数（实际为 '5'）" in zh.stderr


def test_click_usage_errors_in_chinese():
    zh = invoke(["--lang", "zh", "run", "--bogus"])
    assert zh.exit_code == 2
    assert "用法：mcsim run [选项] SCENARIO" in zh.stderr
    assert "错误：没有这个选项 '--bogus'" in zh.stderr


def test_english_stays_english():
    problem = Problem("budget.x", "unknown key", file="a.toml", line=3, hint="did you mean 'y'?")
    error = InputError(problem)
    assert problem.render("en") == str(problem) == "a.toml:3: budget.x: unknown key (did you mean 'y'?)"
    assert error.format(lang="en") == error.format() == str(error)
    assert problem.render("zh") == "a.toml:3: budget.x: 未知的键（是否应为 'y'？）"
    assert InputError([problem] * 3).format(limit=1, lang="zh").splitlines()[-1].startswith("  …… 另有 2 个")


# ---------------------------------------------------------------------------------------------
# precedence and scope
# ---------------------------------------------------------------------------------------------

def test_precedence_of_the_language_settings(monkeypatch):
    assert current_lang() == "en"  # the C locale
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert current_lang() == locale_lang() == "zh"
    assert current_lang("en") == "en"  # the scenario's output.lang beats the locale
    monkeypatch.setenv("MCSIM_LANG", "en")
    assert current_lang("zh") == "en"  # MCSIM_LANG beats the scenario
    with invocation() as inv:
        inv.group = "zh"
        assert current_lang() == "zh"  # mcsim --lang beats MCSIM_LANG
        assert current_lang(command="en") == "en"  # a command's --lang beats the group's
        inv.command = "en"
        assert current_lang() == "en"
    assert active_invocation() is None
    assert current_lang(inv=Invocation(group="zh")) == "zh"
    monkeypatch.setenv("MCSIM_LANG", "zh_CN.UTF-8")
    assert current_lang() == "zh"
    monkeypatch.setenv("MCSIM_LANG", "fr")  # not a language of mcsim: ignored
    assert current_lang() == "zh"  # the locale


def test_the_group_option_beats_the_environment_and_a_command_option_beats_both(tmp_path):
    path, _ = _typo_scenario(tmp_path)
    assert "未知的键" in invoke(["--lang", "zh", "validate", str(path)], env={"MCSIM_LANG": "en"}).stderr
    assert "unknown key" in invoke(["--lang", "en", "validate", str(path)], env={"MCSIM_LANG": "zh"}).stderr
    folder = tmp_path / "no-results"
    out = invoke(["--lang", "zh", "report", str(folder), "--lang", "en"])
    assert out.exit_code == 2 and "no such folder" in out.stderr and out.stderr.startswith("error: ")
    out = invoke(["--lang", "en", "report", str(folder)], env={"MCSIM_LANG": "zh"})
    assert "no such folder" in out.stderr
    out = invoke(["report", str(folder)], env={"MCSIM_LANG": "zh"})
    assert "文件夹不存在" in out.stderr


def test_an_invocation_leaves_no_state_behind(tmp_path):
    streams = sys.stdout, sys.stderr
    invoke(["--lang", "zh", "validate", str(tmp_path / "x.toml")])
    assert (sys.stdout, sys.stderr) == streams
    assert active_invocation() is None
    assert current_lang() == "en"
    assert "Usage: mcsim" in invoke(["--help"]).output


# ---------------------------------------------------------------------------------------------
# --help
# ---------------------------------------------------------------------------------------------

def test_help_in_chinese_and_english():
    zh = invoke(["--lang", "zh", "run", "--help"])
    assert zh.exit_code == 0
    assert zh.output.startswith("用法：mcsim run [选项] SCENARIO")
    assert "选项：" in zh.output and "显示本帮助并退出。" in zh.output
    assert "模拟世界数（默认取场景中的设置）。" in zh.output
    assert "mcsim run scenarios/reference.toml --replications 50" in zh.output  # examples kept
    en = invoke(["run", "--help"])
    assert en.output.startswith("Usage: mcsim run [OPTIONS] SCENARIO") and "Worlds to simulate" in en.output
    group = invoke(["--help"], env={"MCSIM_LANG": "zh"})
    assert "命令：" in group.output and "年终清算总额预算（结余留用/超支分担）" in group.output
    for line in zh.output.splitlines() + group.output.splitlines():
        if display_width(line) > len(line):  # Chinese text: wrapped by columns, not characters
            assert display_width(line) <= 80, line


def _help_texts():
    """(where, English) of every help paragraph, example comment and option help of mcsim."""
    ctx = click.Context(mcsim)
    commands = [("mcsim", mcsim)] + [(n, mcsim.get_command(ctx, n)) for n in mcsim.list_commands(ctx)]
    for name, cmd in commands:
        if cmd.short_help:
            yield name, cmd.short_help
        for paragraph in re.split(r"\n\s*\n", inspect.cleandoc(cmd.help or "").partition("\f")[0]):
            if paragraph.startswith("\b"):
                for line in paragraph.splitlines()[1:]:
                    if line.strip().endswith(":"):
                        yield name, line.strip()
                    elif "# " in line:
                        yield name, line.partition("# ")[2].strip()
            elif paragraph.strip():
                yield name, " ".join(paragraph.split())
        for param in cmd.get_params(ctx):
            if getattr(param, "help", None):
                yield f"{name} {param.opts[0]}", " ".join(param.help.split())


def test_every_help_text_has_a_chinese_entry():
    missing = [f"{where}: {text}" for where, text in _help_texts() if lookup(text, "zh") is None]
    assert not missing, "help texts without a Chinese entry in simulator/i18n/zh_help.py:\n" + "\n".join(missing)


def test_wrap_breaks_chinese_by_columns():
    text = "按目标或结算数据拟合场景的参数，打印拟合表并写出校准后的场景。" * 3
    lines = wrap(text, 30, "  ").splitlines()
    assert all(display_width(line) <= 30 for line in lines)
    assert "".join(line.strip() for line in lines) == text
    assert not any(line.strip().startswith("，") for line in lines)


# ---------------------------------------------------------------------------------------------
# printed lines
# ---------------------------------------------------------------------------------------------

def test_progress_and_closing_lines_in_chinese():
    lines = ("wrote results/x/ — 20 worlds × 3 years, seed 7, 4.2 s (1.3 M episodes/s)\n"
             "  prob_overspend by year (± Monte Carlo SE): 0.10 ± 0.02\n"
             '{"name": "unknown key"}\n')
    out = translate_output(lines, "zh")
    assert out.splitlines()[0] == "已写入 results/x/ — 20 个模拟世界 × 3 年，随机种子 7，用时 4.2 秒（每秒 1.3 百万人次）"
    assert out.splitlines()[1].startswith("  prob_overspend 各年超支概率")
    assert out.splitlines()[2] == '{"name": "unknown key"}'  # data passes unchanged
    assert translate_output(lines, "en") == lines
    problem = "  - a.toml:4: budget.x: unknown key (did you mean 'y'?)\n"
    assert translate_output(problem, "zh") == "  - a.toml:4: budget.x: 未知的键（是否应为 'y'？）\n"
    assert translate_output("\rtasks  [####----]   50%\n", "zh") == "\r任务  [####----]   50%\n"


def test_templates():
    assert compile_template("must be >= {low}, got {value}").fullmatch("must be >= 1, got 0")
    assert translate("must be >= 1, got 0", "zh") == "必须 ≥ 1，实际为 0"
    assert translate("rules file not found", "zh") == "规则文件未找到"  # a part is translated too
    assert translate("not a number (got 'abc')", "zh") == "不是数字（实际为 'abc'）"
    assert translate("something new", "zh") == "something new"  # English is the fallback
    assert translate("x: y", "zh") == "x: y"  # a bare carrier needs a known part


# ---------------------------------------------------------------------------------------------
# coverage: every Problem(...) and ProblemList.add(...) message literal of the source
# ---------------------------------------------------------------------------------------------

#: messages that are only carriers of other messages (translated through their parts), with why
CARRIERS = {
    "{what} {why}": "errors.py: a file kind and not_a_file()'s reason; each reason has its template",
    "{p.message} [{where}]": "batch/spec.py: a variant's problem with its location; the message is translated",
    "{text} (got {values[f'--{name}']})": "commands/settle.py: a message from the settlement checks plus the value",
    "{text} (got {values.item()})": "settlement/core.py: a message from the settlement checks plus the value",
    "{problem.message}: {problem.file}": "settlement/resolve.py: a file problem plus the path",
}


def _template(node) -> str | None:
    """An f-string or string as a sample message: each replacement field becomes ``x1``, ``x2``...
    (a conditional picks its first branch: ``line{'s' if n > 1 else ''}`` → ``lines``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                       for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def _sample(node) -> str:
    out, tokens = [], {}
    parts = node.values if isinstance(node, ast.JoinedStr) else [node]
    for v in parts:
        if isinstance(v, ast.Constant):
            out.append(v.value)
        elif isinstance(v.value, ast.IfExp) and isinstance(v.value.body, ast.Constant):
            out.append(str(v.value.body.value))
        else:  # the same expression twice is the same text twice
            out.append(tokens.setdefault(ast.unparse(v.value), f"x{len(tokens) + 1}"))
    return "".join(out)


def _messages():
    """(file:line, template, sample) of each message literal passed to Problem(...) or .add(...)."""
    for path in sorted(SOURCE.rglob("*.py")):
        if "i18n" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in ("Problem", "add"):
                continue
            message = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "message"), None)
            template = _template(message) if message is not None else None
            if template is None:
                continue  # a message held in a variable: translated where it was written
            if isinstance(message, ast.BinOp):
                sample = re.sub(r"\{[^{}]*\}", "x", template)
            else:
                sample = _sample(message)
            yield f"{path.relative_to(SOURCE)}:{node.lineno}", template, sample


def test_every_problem_message_of_the_source_has_a_chinese_entry():
    rows = list(_messages())
    assert len(rows) > 150  # the scan finds the messages
    missing = [f"{where}: {template!r}" for where, template, sample in rows
               if template not in CARRIERS and lookup(sample, "zh") is None]
    assert not missing, ("problem messages without a Chinese entry in simulator/i18n/zh.py "
                         f"({len(missing)} of {len(rows)}):\n" + "\n".join(missing))


def test_the_catalogue_is_well_formed():
    zh = catalogue("zh")
    for pattern, template, literal, _ in zh.patterns:
        names = set(pattern.groupindex)
        used = set(re.findall(r"\{(\w+)\}", template))
        assert used <= names, (pattern.pattern, template)
    assert all(value and value.strip() == value or key.startswith("  ") for key, value in zh.exact.items())
