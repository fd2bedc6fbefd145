"""``nlcli-tui``: start the app.

    nlcli-tui                      # interactive
    nlcli-tui "list my venvs"      # start with a request typed in
    cmd=$(nlcli-tui)               # ctrl+o prints the chosen command to stdout
"""

from __future__ import annotations

import argparse
import sys

from app.tui import NlcliApp
from nlcli_wizard.service import Wizard


def make_app(wizard: Wizard | None = None, initial_query: str = "") -> NlcliApp:
    return NlcliApp(wizard or Wizard(), initial_query=initial_query)


def entry() -> None:
    parser = argparse.ArgumentParser(prog="nlcli-tui", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("query", nargs="*", help="a request to start with")
    args = parser.parse_args()
    from nlcli_wizard.engine import silence_llama_logs

    silence_llama_logs()  # before anything loads: llama.cpp must not write on the TUI's screen
    app = make_app(initial_query=" ".join(args.query))
    command = app.run()
    # Textual sets a non-zero return code when the app ended on an unhandled error;
    # a script running `cmd=$(nlcli-tui)` must see that, and no command.
    code = app.return_code or 0
    if command and code == 0:
        print(command)
    sys.exit(code)


if __name__ == "__main__":
    entry()
