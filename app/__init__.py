"""nlcli-tui: the Textual front end. UI only; all logic is in nlcli_wizard."""
