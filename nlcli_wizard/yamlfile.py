"""YAML data files whose every mapping and list knows the line it was written on.

A tool's profile (``tool.yaml``), its vocabulary and the language data (``lang/en/*.yaml``) are edited by
hand; a mistake in one is reported as ``file:line: reason``, never as a Python traceback. PyYAML's node
marks give each entry's line; :class:`LDict` and :class:`LList` keep them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nlcli_wizard.errors import DataFileError, NlcliError


class Located:
    """Mixin: where each key or item of a mapping/sequence was written."""

    source: str = "?"
    lines: dict[Any, int]

    def where(self, key: Any = None) -> str:
        return f"{self.source}:{self.lines.get(key, self.lines.get(None, 0))}"


class LDict(dict, Located):
    pass


class LList(list, Located):
    pass


# libyaml's parser when PyYAML was built with it (the wheels are): it gives the same node marks, and a
# tool profile parses in a tenth of the pure-Python time, which every one-shot translation pays.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _loader(source: str, error: type[NlcliError]) -> type[yaml.SafeLoader]:
    class Loader(_SAFE_LOADER):
        pass

    def mapping(loader, node: yaml.MappingNode) -> LDict:
        out = LDict()
        out.source, out.lines = source, {None: node.start_mark.line + 1}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise error(f"{source}:{key_node.start_mark.line + 1}: '{key}' is listed twice.")
            out[key] = loader.construct_object(value_node, deep=True)
            out.lines[key] = key_node.start_mark.line + 1
        return out

    def sequence(loader, node: yaml.SequenceNode) -> LList:
        out = LList(loader.construct_object(child, deep=True) for child in node.value)
        out.source = source
        out.lines = {None: node.start_mark.line + 1, **{i: c.start_mark.line + 1 for i, c in enumerate(node.value)}}
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, sequence)
    return Loader


def load_yaml(path: Path, error: type[NlcliError] = DataFileError) -> Any:
    """Parse a data file; every mapping and list it holds knows its lines. A file that cannot be read or
    parsed raises ``error`` with ``file:line: reason``."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{source}:0: cannot be read ({getattr(exc, 'strerror', None) or exc}).") from None
    try:
        return yaml.load(text, Loader=_loader(source, error))  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise error(f"{source}:{line}: {exc.problem or exc.context}.") from None
    except yaml.YAMLError as exc:
        raise error(f"{source}:0: {exc}.") from None


def expect(container: Located, key: Any, kind: type | tuple[type, ...], what: str,
           error: type[NlcliError] = DataFileError) -> Any:
    value = container[key]
    if not isinstance(value, kind) or (isinstance(value, (str, list, dict)) and not value):
        raise error(f"{container.where(key)}: {what}.")
    return value
