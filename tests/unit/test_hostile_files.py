"""Hostile files: a TOML nested thousands deep, a file reference to a system file (issue 19)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from simulator.cli import mcsim

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"


def test_toml_nested_thousands_deep_is_refused(tmp_path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    result = CliRunner().invoke(mcsim, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "nested too deeply" in result.output and "Traceback" not in result.output


def test_a_file_that_is_not_a_table_is_not_quoted(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:TOPSECRET:/root:/bin/bash\nuser:x:1000:1000:,,,:/home/user:/bin/sh\n",
                      encoding="utf-8")
    result = CliRunner().invoke(mcsim, ["validate", str(REFERENCE), "--set", f"casemix.file={secret}"])
    assert result.exit_code == 2, result.output
    assert "TOPSECRET" not in result.output and "does not read as a table" in result.output


def test_a_long_cell_is_cut_to_40_characters(tmp_path) -> None:
    from simulator.casemix import load_casemix

    import pytest

    from simulator.errors import InputError

    text = (Path(__file__).resolve().parents[2] / "simulator" / "builtin" / "casemix_reference.csv").read_text(
        encoding="utf-8").splitlines()
    header, first = text[0].split(","), text[1].split(",")
    first[header.index("base_cost")] = "x" * 5000
    (tmp_path / "cm.csv").write_text("\n".join([text[0], ",".join(first), *text[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_casemix(str(tmp_path / "cm.csv"), base_dir=None,
                     age_bands=("0-14", "15-44", "45-59", "60-74", "75+"))
    message = info.value.format()
    assert "x" * 41 not in message and "x" * 39 in message


def test_corrupt_stored_results_name_the_file(tmp_path) -> None:
    import simulator

    out = tmp_path / "run"
    simulator.run(REFERENCE, overrides=["population.size=1000", "scenario.years=1", "output.report=false",
                                        "output.figures=false"], replications=2, seed=1).write(out)
    for name, junk in (("summary.json", '{"scenario": '), ("worlds.parquet", "not parquet")):
        original = (out / name).read_bytes()
        (out / name).write_text(junk, encoding="utf-8")
        result = CliRunner().invoke(mcsim, ["report", str(out)])
        assert result.exit_code == 2, result.output
        assert name in result.output and "corrupt or truncated" in result.output and "Traceback" not in result.output
        (out / name).write_bytes(original)


def test_a_point_value_band_beyond_100_budget_values_is_refused() -> None:
    import pytest

    from simulator.errors import InputError
    from simulator.scenario import load_scenario

    with pytest.raises(InputError, match="point_value_band"):
        load_scenario(REFERENCE, {"payment.drg.point_value_band": [0.9, 1e308]})
    load_scenario(REFERENCE, {"payment.drg.point_value_band": [0.0, float("inf")]})  # no ceiling: allowed


def test_a_50_mb_scenario_is_refused_at_once(tmp_path) -> None:
    import time

    path = tmp_path / "big.toml"
    path.write_text('[scenario]\nname = "' + "x" * 50_000_000 + '"\n', encoding="utf-8")
    started = time.perf_counter()
    result = CliRunner().invoke(mcsim, ["validate", str(path)])
    assert result.exit_code == 2 and "at most 10 MiB" in result.output, result.output[:500]
    assert time.perf_counter() - started < 5.0  # was 22 s and 6 GB: a regex and a Python loop per character


def test_a_long_string_costs_a_scan_not_a_loop() -> None:
    import time

    from simulator.errors import toml_key_lines

    text = '[scenario]\nname = "' + "x" * 5_000_000 + '" # comment\nyears = 5\n'
    started = time.perf_counter()
    assert toml_key_lines(text) == {"scenario": 1, "scenario.name": 2, "scenario.years": 3}
    assert time.perf_counter() - started < 2.0


def test_an_error_repeated_200000_times_is_summarised() -> None:
    from simulator.errors import InputError, Problem

    text = InputError([Problem("cost", f"not a number (row {i})") for i in range(200_000)], title="bad").format()
    lines = text.splitlines()
    assert lines[0] == "bad: 200,000 problems" and len(lines) == 52
    assert lines[-1].startswith("  ... and 199,950 more")


def test_fifos_folders_and_link_loops_are_named_as_what_they_are(tmp_path) -> None:
    import os

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.csv"
    os.symlink(loop, loop)
    for target, words in ((fifo, "named pipe"), (tmp_path, "is a folder"), (loop, "symbolic-link loop")):
        result = CliRunner().invoke(mcsim, ["validate", str(REFERENCE), "--set", f"casemix.file={target}"])
        assert result.exit_code == 2 and words in result.output, result.output  # and no hang on the FIFO
        result = CliRunner().invoke(mcsim, ["validate", str(target)])  # click names a folder itself
        assert result.exit_code == 2 and (words in result.output or "is a directory" in result.output), result.output


def test_safe_paths_confine_file_references_to_the_scenario_folder(tmp_path, monkeypatch) -> None:
    import os
    import shutil

    monkeypatch.delenv("MCSIM_SAFE_PATHS", raising=False)
    folder = tmp_path / "county"
    folder.mkdir()
    scenario = folder / "scenario.toml"
    shutil.copy(REFERENCE, scenario)
    inside = folder / "cm.csv"
    shutil.copy(Path(__file__).resolve().parents[2] / "simulator" / "builtin" / "casemix_reference.csv", inside)
    outside = tmp_path / "elsewhere.csv"
    shutil.copy(inside, outside)
    for ref in ("../elsewhere.csv", str(outside), "/proc/self/environ"):
        result = CliRunner().invoke(mcsim, ["--safe", "validate", str(scenario), "--set", f"casemix.file={ref}"])
        assert result.exit_code == 2 and "safe paths are on" in result.output, result.output
    assert CliRunner().invoke(mcsim, ["--safe", "validate", str(scenario), "--set", "casemix.file=cm.csv"]).exit_code == 0
    assert "MCSIM_SAFE_PATHS" not in os.environ  # --safe does not outlive its command
    monkeypatch.setenv("MCSIM_SAFE_PATHS", "1")
    result = CliRunner().invoke(mcsim, ["validate", str(scenario), "--set", f"casemix.file={outside}"])
    assert result.exit_code == 2 and "safe paths are on" in result.output
    monkeypatch.setenv("MCSIM_SAFE_PATHS", "0")  # off: users' absolute and relative paths are read
    assert CliRunner().invoke(mcsim, ["validate", str(scenario), "--set", f"casemix.file={outside}"]).exit_code == 0


def test_a_corrupt_batch_plan_or_marker_is_named_or_rerun(tmp_path) -> None:
    import pytest

    from simulator.batch.store import Store
    from simulator.errors import InputError

    store = Store(tmp_path / "batch")
    plan = {"name": "s", "fingerprint": "abc", "tasks": []}
    store.open(plan, resume=False)
    store.plan_file.write_text('{"name": "s", "fingerp', encoding="utf-8")  # truncated by a crash
    with pytest.raises(InputError) as info:
        store.open(plan, resume=True)
    assert "sweep.json" in info.value.format() and "corrupt or truncated" in info.value.format()
    store.plan_file.write_text('{"name": "s", "fingerprint": "abc"}', encoding="utf-8")
    (store.tasks / "v0000--c--0.json").write_text('{"part": 7, "task": []}', encoding="utf-8")
    assert store.open(plan, resume=True) == set()  # a corrupt marker is not a done task
