"""Which language the command line speaks: one invocation's choice, resolved in one place.

Precedence, first set wins:

1. ``--lang`` given on the command itself (``mcsim report DIR --lang en``; ``report``, ``compare``,
   ``explain``, ``points``, ``batch`` and ``warmup`` have one);
2. ``--lang`` on the ``mcsim`` group (``mcsim --lang zh run ...``);
3. the ``MCSIM_LANG`` environment variable (``zh``, ``en``; ``zh_CN.UTF-8`` counts as zh);
4. the scenario's ``output.lang``, where the caller passes it (reports, the first-run notice);
5. the locale: ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` or :func:`locale.getlocale` starting with
   ``zh`` (or Windows' ``Chinese``) is zh; anything else, C and POSIX included, is en.

The group's choice lives in an :class:`Invocation` held by a context variable for the duration of
one ``mcsim`` call (:func:`invocation`), so in-process callers (tests, notebooks) get their state
back when the call returns.
"""

from __future__ import annotations

import contextlib
import locale
import os
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterator

LANGS = ("zh", "en")
#: environment variable naming the language of messages
ENV = "MCSIM_LANG"


@dataclass
class Invocation:
    """Language choices of one ``mcsim`` call: the group's ``--lang`` and a command's own."""

    group: str | None = None
    command: str | None = None


_INVOCATION: ContextVar[Invocation | None] = ContextVar("mcsim_invocation", default=None)


@contextlib.contextmanager
def invocation() -> Iterator[Invocation]:
    """Hold a fresh :class:`Invocation` while the block runs; the previous one afterwards."""
    inv = Invocation()
    token = _INVOCATION.set(inv)
    try:
        yield inv
    finally:
        _INVOCATION.reset(token)


def active_invocation() -> Invocation | None:
    """The :class:`Invocation` of the ``mcsim`` call running in this context, if any."""
    return _INVOCATION.get()


def normalise(value: str | None) -> str | None:
    """``"zh"``, ``"en"`` or None for a user's spelling (``"ZH"``, ``"zh_CN.UTF-8"``, ``"en-GB"``)."""
    if not value:
        return None
    value = value.strip().lower()
    for lang in LANGS:
        if value.startswith(lang):
            return lang
    return None


def locale_lang() -> str:
    """zh when the locale is Chinese, else en (the C and POSIX locales are en)."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:  # the first one set decides, as for the C library
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        name = locale.getlocale()[0] or ""
    except ValueError:
        name = ""
    return "zh" if name.lower().startswith(("zh", "chinese")) else "en"


def current_lang(scenario: str | None = None, *, command: str | None = None,
                 inv: Invocation | None = None) -> str:
    """The language to speak now: ``"zh"`` or ``"en"`` (precedence in the module docstring).

    Parameters
    ----------
    scenario : the scenario's ``output.lang``, where it applies (reports, the first-run notice).
    command : a command's own ``--lang`` when the caller knows it was given.
    inv : the invocation to read (default: the one running in this context).
    """
    inv = inv if inv is not None else _INVOCATION.get()
    given = _command_lang_in_context()
    group = inv.group if inv is not None else None
    for candidate in (command, given, inv.command if inv else None, group or _group_lang_in_context(),
                      os.environ.get(ENV), scenario):
        lang = normalise(candidate)
        if lang is not None:
            return lang
    return locale_lang()


def command_lang_of(ctx) -> str | None:
    """A subcommand's ``--lang`` when the user gave it (not its default), else None."""
    import click

    if ctx.parent is None or "lang" not in ctx.params:
        return None
    source = ctx.get_parameter_source("lang")
    if source in (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT):
        return normalise(ctx.params["lang"])
    return None


#: key of the group's ``--lang`` in ``click.Context.meta`` (shared by every context of a call)
META_KEY = "mcsim.lang"


def _command_lang_in_context() -> str | None:
    import click

    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        lang = command_lang_of(ctx)
        if lang is not None:
            return lang
        ctx = ctx.parent
    return None


def _group_lang_in_context() -> str | None:
    import click

    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(META_KEY) if ctx is not None else None
