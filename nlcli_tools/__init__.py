"""The tool plugins this project ships, registered through the ``nlcli_wizard.tools`` entry-point group
exactly as a third-party plugin is (see ``nlcli_wizard.tools``)."""
