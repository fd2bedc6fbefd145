"""Language data: the English phrases the checks read requests by, as YAML beside this module (``en/``).

What is English and not any tool's (the words that address the model, the asks no tool of this kind does,
the words that join two asks) lives here, loaded with ``file:line`` errors; what is a tool's own lives in
its ``tool.yaml``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from nlcli_wizard.errors import DataFileError
from nlcli_wizard.yamlfile import LDict, load_yaml

LANGUAGE = "en"


@cache
def phrases(name: str, language: str = LANGUAGE) -> LDict:
    """The mapping in ``<language>/<name>.yaml``."""
    path = Path(__file__).resolve().parent / language / f"{name}.yaml"
    data = load_yaml(path, DataFileError)
    if not isinstance(data, LDict):
        raise DataFileError(f"{path}:1: the file must be a mapping of phrase lists.")
    return data


def words(name: str, key: str, language: str = LANGUAGE) -> tuple[str, ...]:
    """A list of phrases (regular expressions or words) from ``<language>/<name>.yaml``."""
    data = phrases(name, language)
    value: Any = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DataFileError(f"{data.where(key)}: '{key}' must be a list of phrases.")
    return tuple(value)


def pattern(name: str, key: str, language: str = LANGUAGE) -> str:
    """One regular expression from ``<language>/<name>.yaml``."""
    data = phrases(name, language)
    value: Any = data.get(key)
    if not isinstance(value, str) or not value:
        raise DataFileError(f"{data.where(key)}: '{key}' must be a regular expression.")
    return value
