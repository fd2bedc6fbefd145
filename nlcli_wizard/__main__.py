from nlcli_wizard.cli import entry

entry()
