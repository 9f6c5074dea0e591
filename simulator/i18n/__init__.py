"""Messages of the command line in Chinese and English (``mcsim --lang``, ``MCSIM_LANG``, the locale).

English text is the message id, as with gettext: code writes English, :func:`translate` looks the
text up in the language's catalogue (:mod:`simulator.i18n.zh`) and falls back to the English.
:func:`current_lang` says which language an invocation speaks.
"""

from simulator.i18n.catalogue import translate
from simulator.i18n.lang import LANGS, current_lang

__all__ = ["LANGS", "current_lang", "translate"]
