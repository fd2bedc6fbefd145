"""nlcli-wizard: natural language to venvy commands, on the CPU, offline.

The core never imports Textual; the TUI in ``app/`` reaches it through
:class:`nlcli_wizard.translator.Translator`.
"""

__version__ = "0.1.0"
