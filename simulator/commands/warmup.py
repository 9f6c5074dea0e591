"""``mcsim warmup``: compile the simulation kernels once, and the first-run notice of other commands.

numba compiles mcsim's kernels the first time they run and caches the machine code
(:mod:`simulator.kernels.jit`). Compiling takes tens of seconds; with a warm cache a run starts
at once. :func:`ensure_compiled` is what ``mcsim run``, ``batch`` and ``calibrate`` call before
their work: with a cold cache it says so on stderr (one line, a spinner when stderr is a
terminal, the expected seconds from the last compile measured on this machine or
:data:`DEFAULT_COMPILE_SECONDS`), compiles by simulating a tiny county, and records how long
that took. With a warm cache it does nothing. The tiny county's results are thrown away:
compiling first changes no result of the run that follows (worlds are keyed by seed, not by
what ran before).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import click

from simulator.i18n import current_lang

#: seconds a cold compile took on the development machine (28 s on 2 shared cores, numba 0.68.1), the
#: estimate until this machine has measured its own
DEFAULT_COMPILE_SECONDS = 30.0

#: the tiny county compiled on: the starter scenario, a few hundred persons, one year, every
#: output off (microdata on, so its recording kernels compile too)
TINY = ("population.size=400", "population.villages=4", "population.townships=1",
        "scenario.years=1", "output.microdata_fraction=0.05", "output.figures=false",
        "output.report=false")

MESSAGES = {
    "zh": ("正在编译模拟内核（仅首次，约 {n} 秒）…", "完成，用时 {s:.0f} 秒"),
    "en": ("Compiling the simulation kernels (first run only, about {n} s)…", "done in {s:.0f} s"),
}


def _record_file() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mcsim"
    return base / "compile-seconds.json"


def estimated_seconds() -> int:
    """Expected seconds of a cold compile: the last one measured here, else the default; rounded
    up to 5 s."""
    seconds = DEFAULT_COMPILE_SECONDS
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        seconds = float(json.loads(_record_file().read_text(encoding="utf-8"))["seconds"])
    return int(max(5, -(-seconds // 5) * 5))


def _record(seconds: float) -> None:
    with contextlib.suppress(OSError):
        path = _record_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"seconds": round(seconds, 1)}), encoding="utf-8")


def compile_kernels() -> float:
    """Compile (or load from the cache) every kernel a run uses; return the seconds it took."""
    from importlib import resources

    from simulator.api import run
    from simulator.scenario import load_scenario

    started = time.perf_counter()
    with resources.as_file(resources.files("simulator").joinpath("builtin", "starter_scenario.toml")) as path:
        scenario = load_scenario(path, TINY)
    run(scenario, replications=2, seed=1, threads=1)
    return time.perf_counter() - started


@contextlib.contextmanager
def _spinner(line: str, stream) -> Iterator[None]:
    """``line`` with a turning spinner in front while the block runs (a terminal only)."""
    stop = threading.Event()

    def turn() -> None:
        frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
        k = 0
        while not stop.wait(0.12):
            stream.write(f"\r{frames[k % len(frames)]} {line}")
            stream.flush()
            k += 1

    stream.write(f"\r  {line}")
    stream.flush()
    worker = threading.Thread(target=turn, daemon=True)
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join()


def ensure_compiled(lang: str = "zh", *, quiet: bool = False) -> float | None:
    """Compile the kernels when their cache is cold, saying so on stderr unless ``quiet``;
    return the seconds spent compiling, or None when the cache was warm."""
    from simulator.kernels.jit import cache_is_warm

    if cache_is_warm():
        return None
    start_text, done_text = MESSAGES[current_lang(lang)]  # mcsim --lang, MCSIM_LANG, then the scenario's
    line = start_text.format(n=estimated_seconds())
    stream = sys.stderr
    tty = stream.isatty() and not quiet
    if not quiet and not tty:
        click.echo(line, err=True)
    with _spinner(line, stream) if tty else contextlib.nullcontext():
        seconds = compile_kernels()
    if tty:
        stream.write(f"\r✓ {line} {done_text.format(s=seconds)}\n")
        stream.flush()
    _record(seconds)
    return seconds


@click.command("warmup")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True,
              help="Language of the message.")
def command(lang: str) -> None:
    """Compile the simulation kernels now (numba caches them), so the next run starts at once.

    A fresh install, a new mcsim version or a new numba compiles the kernels on their first
    run (tens of seconds); `mcsim warmup` does it ahead, for example in a set-up script.

    \b
    Example:
      mcsim warmup
    """
    from simulator.kernels.jit import cache_folder, cache_is_warm

    warm = cache_is_warm()
    seconds = compile_kernels()
    if not warm:
        _record(seconds)
    folder = cache_folder() or "numba's default (__pycache__)"
    if lang == "zh":
        what = "内核已在缓存中，加载" if warm else "已编译模拟内核"
        click.echo(f"{what}，用时 {seconds:.1f} 秒（缓存：{folder}）")
    else:
        what = "kernels already cached, loaded" if warm else "compiled the simulation kernels"
        click.echo(f"{what} in {seconds:.1f} s (cache: {folder})")
