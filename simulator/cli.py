"""The ``mcsim`` command line: a thin click group.

Commands parse options, call the public API and print. Heavy modules (numpy, numba, pandas) are
imported inside the commands so ``mcsim --help`` is instant. A user's mistake (an
:class:`~simulator.errors.InputError`) prints every problem and exits 2 without a traceback;
anything else is an internal error: exit 1 with the traceback for the bug report.

Messages, errors and ``--help`` speak Chinese or English (:mod:`simulator.i18n`): ``--lang`` on
a command > ``mcsim --lang`` > ``MCSIM_LANG`` > the scenario's ``output.lang`` (reports) > the
locale. The choice lasts one call: in-process callers get their state back when it returns.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback

import click

from simulator._version import __version__
from simulator.errors import InputError
from simulator.i18n import current_lang, translate
from simulator.i18n.help import McsimContext, short_help
from simulator.i18n.lang import META_KEY, active_invocation, invocation
from simulator.i18n.output import translated_streams

# command name -> module in simulator.commands defining a click command called ``command``
_COMMANDS = {
    "run": "run",
    "validate": "validate",
    "settle": "settle",
    "points": "points",
    "batch": "batch",
    "compare": "compare",
    "explain": "explain",
    "report": "report",
    "calibrate": "calibrate",
    "init": "init",
    "warmup": "warmup",
}


class McsimGroup(click.Group):
    """Click group that loads command modules on demand and maps errors to exit codes; it speaks
    the invocation's language (help, messages, errors)."""

    context_class = McsimContext

    def main(self, *args, **kwargs):
        with invocation() as inv, translated_streams(lambda: current_lang(inv=inv)):
            return super().main(*args, **kwargs)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = getattr(formatter, "lang", "en")
        if lang == "en":
            return super().format_commands(ctx, formatter)
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, short_help(cmd, lang) or cmd.get_short_help_str(60)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in _COMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._load(name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        module_name = _COMMANDS.get(name)
        if module_name is None:
            return None
        try:
            module = importlib.import_module(f"simulator.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"simulator.commands.{module_name}":
                return None  # command of a later release not present in this tree
            raise
        command = module.command
        if command.context_class is click.Context:  # help in the invocation's language
            command.context_class = McsimContext
        return command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputError as exc:
            lang = current_lang()
            click.echo(f"{translate('error: ', lang)}{exc.format(lang=lang)}", err=True)
            ctx.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo(translate("interrupted; no results were written"), err=True)
            ctx.exit(130)
        except BrokenPipeError:  # the reader went away (``mcsim validate … | head``): not a bug
            _silence_stdout()
            ctx.exit(141)  # 128 + SIGPIPE, as a shell reports a command killed by a closed pipe
        except Exception:  # an internal error: show the traceback for the bug report
            click.echo(translate("internal error (a bug in mcsim; please report it with this output):"), err=True)
            click.echo(traceback.format_exc(), err=True)
            ctx.exit(1)


@click.group(cls=McsimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mcsim")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, is_eager=True, expose_value=False,
              callback=lambda ctx, param, value: _set_lang(ctx, value),
              help="Language of messages, errors and help (default: MCSIM_LANG, else the locale; "
                   "a command's own --lang wins).")
@click.option("--safe", is_flag=True, help="Refuse file references outside the folder of the file that "
                                            "names them (for services running others' scenarios; also "
                                            "MCSIM_SAFE_PATHS=1).")
def mcsim(safe: bool) -> None:
    """mcsim — Monte Carlo simulator for county medical-community global budgets (医共体医保总额付费).

    \b
    Examples:
      mcsim init my-county                 # starter scenario
      mcsim validate my-county/scenario.toml
      mcsim run scenarios/reference.toml --replications 50
      mcsim settle --rules county-tiered --budget 1e8 --spending 9e7 --score 80
    """
    if safe:
        from simulator.safety import ENV

        before = os.environ.get(ENV)
        os.environ[ENV] = "1"

        def restore() -> None:  # in-process callers (tests, notebooks) get their environment back
            if before is None:
                os.environ.pop(ENV, None)
            else:
                os.environ[ENV] = before

        click.get_current_context().call_on_close(restore)


def _set_lang(ctx: click.Context, value: str | None) -> None:
    """``mcsim --lang``: eager, so that ``mcsim --lang zh --help`` is already Chinese."""
    if value is None:
        return
    ctx.meta[META_KEY] = value
    inv = active_invocation()
    if inv is not None:
        inv.group = value


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush into a closed pipe does
    not print a second error (the pattern the Python docs give for SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main() -> None:
    """Console-script entry point (``mcsim``)."""
    mcsim.main(prog_name="mcsim", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
