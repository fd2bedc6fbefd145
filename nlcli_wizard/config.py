"""User settings: ``$NLCLI_HOME/config.json``, all keys optional.

    {"keys": {"run": "ctrl+r", "copy": "f5,ctrl+y"},  # binding id -> key(s), comma-separated
     "shell_history": false,                          # append executed commands to a history file
     "history_file": "~/.bash_history",
     "threshold": 0.5,                                # abstain below this confidence, 0 to 1
     "tool": "sqlite-utils",                          # the tool to use (--tool and NLCLI_TOOL win)
     "server": true}                                  # answer through the warm background model

The file is parsed into typed fields (pydantic, strict: ``"false"`` is not a
boolean). Each bad setting, and each bad key remap, is reported in one
sentence and replaced by its default; the rest of the file still applies. A
missing file means defaults; an unreadable one is reported, never fatal.

The TUI's bindings (id, action, default key) live here, in
:data:`KEY_BINDINGS`, so the app and the remap checks share one table, and
:func:`keys_in_force` says which keys each binding has once remaps apply.
This module must not import Textual: key names are checked against our own
list of the names Textual uses (a test compares the two).
"""

from __future__ import annotations

import json
import math
import os
import stat
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from nlcli_wizard import jsonsafe, paths
from nlcli_wizard.errors import ConfigError


@dataclass(frozen=True)
class KeyBinding:
    id: str  # what config.json's "keys" names
    action: str
    description: str
    key: str  # the default
    priority: bool = True  # fires even while the query input has focus
    footer: bool = True  # listed in the footer (every binding is in the palette and the hints that need it)


KEY_BINDINGS: tuple[KeyBinding, ...] = (
    KeyBinding("run", "run", "Run", "ctrl+r"),
    KeyBinding("copy", "copy", "Copy", "ctrl+y"),
    KeyBinding("edit", "edit", "Edit", "ctrl+e"),
    KeyBinding("flag", "flag", "Flag wrong", "ctrl+f"),
    # ctrl+n: used by no other binding here nor by Textual's Input, and terminals pass it through.
    # Not in the footer: at 80 columns it would push "Quit & print" off the screen; the hint
    # shown with each answer names it instead.
    KeyBinding("refine", "refine", "Refine", "ctrl+n", footer=False),
    KeyBinding("cancel", "cancel", "Cancel", "escape", priority=False),
    KeyBinding("print-and-quit", "print_and_quit", "Quit & print", "ctrl+o"),
    KeyBinding("quit", "quit", "Quit", "ctrl+q"),
)
DEFAULT_KEYS: dict[str, str] = {binding.id: binding.key for binding in KEY_BINDINGS}

_MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")  # Textual's order: sorted
# A key with none of these (shift alone still types) enters text in the query input.
_COMMAND_MODIFIERS = {"alt", "ctrl", "hyper", "meta", "super"}
_NAMED_KEYS = {"escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end", "pageup",
               "pagedown", "up", "down", "left", "right", *(f"f{n}" for n in range(1, 25))}
# Textual names a punctuation key after its unicode name, with a few shortened.
_TEXTUAL_RENAMES = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
                    "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}
_PUNCTUATION = {
    char: _TEXTUAL_RENAMES.get(name, name)
    for char in string.punctuation
    for name in [unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")]
}
_PRINTABLE = {*string.ascii_lowercase, *string.digits, "space", *_PUNCTUATION.values()}
# Keys the app already gives a meaning that a remap must not take away: submitting and editing the
# request, history (up/down), focus (tab), the command palette; ctrl+h/i/j/m are how terminals send
# backspace, tab and enter.
_RESERVED = {"enter", "tab", "shift+tab", "backspace", "delete", "left", "right", "home", "end", "up", "down",
             "ctrl+p", "ctrl+h", "ctrl+i", "ctrl+j", "ctrl+m"}


def finite_probability(value: object, where: str) -> float:
    """``value`` as a float in [0, 1], or a ConfigError naming ``where`` (e.g. "--threshold").

    Strings are parsed (command-line options arrive as text); booleans are not numbers here,
    and NaN or infinities are refused because every comparison with NaN is false, which would
    silently switch abstention off.
    """
    number: float | None = None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    if number is None or not math.isfinite(number) or not 0.0 <= number <= 1.0:
        shown = value.strip() if isinstance(value, str) and value.strip() else json.dumps(value, default=repr)
        raise ConfigError(f"{where} must be a number from 0 to 1, not {shown}.")
    return number


def parse_key(text: str) -> str:
    """A key as Textual writes it (modifiers sorted, punctuation named), or ValueError saying why."""
    parts = [part.strip() for part in text.strip().split("+")]
    if text.strip() in ("+", "plus"):
        parts = ["plus"]
    *modifiers, name = parts
    if not name:
        raise ValueError("has no key after its modifiers")
    unknown = [m for m in modifiers if m.lower() not in _MODIFIERS]
    if unknown:
        raise ValueError(f"has an unknown modifier '{unknown[0]}' (use {', '.join(_MODIFIERS)})")
    if len(set(m.lower() for m in modifiers)) != len(modifiers):
        raise ValueError("repeats a modifier")
    if len(name) == 1 and name in _PUNCTUATION:
        name = _PUNCTUATION[name]
    name = name.lower()
    if name not in _NAMED_KEYS and name not in _PRINTABLE:
        raise ValueError(f"names no key Textual knows ('{name}')")
    return "+".join(sorted(m.lower() for m in modifiers) + [name])


def _check_key(text: str) -> str:
    key = parse_key(text)
    modifiers = set(key.split("+")[:-1])
    if key.split("+")[-1] in _PRINTABLE and not modifiers & _COMMAND_MODIFIERS:
        raise ValueError("would be typed into the request instead (add ctrl+ or alt+)")
    if key in _RESERVED:
        raise ValueError("is already used by the app for editing, history or the command palette")
    return key


def check_key_remaps(remaps: Mapping[str, object], where: str = "config.json") -> tuple[dict[str, str], list[str]]:
    """The remaps that can apply, canonical (``{"copy": "f5"}``), and one sentence per one that cannot.

    A rejected remap leaves its binding on its default key. Remaps are judged on the keys that
    would be in force: two bindings on one key, or a remap onto another binding's key (which
    would leave that binding with none), are both refused — unless the other binding moves away.
    """
    problems: list[str] = []
    accepted: dict[str, tuple[str, ...]] = {}
    for binding_id, value in remaps.items():
        label = f"'keys.{binding_id}' in {where}"
        if binding_id not in DEFAULT_KEYS:
            problems.append(f"{label} names no binding (use {', '.join(DEFAULT_KEYS)}); it is ignored.")
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{label} must be a key such as \"f5\" or \"ctrl+y\", not {json.dumps(value)}; "
                            f"{binding_id} stays on {DEFAULT_KEYS[binding_id]}.")
            continue
        try:
            keys = tuple(dict.fromkeys(_check_key(part) for part in value.split(",")))
        except ValueError as exc:
            problems.append(f"{label}: {json.dumps(value)} {exc}; {binding_id} stays on {DEFAULT_KEYS[binding_id]}.")
            continue
        accepted[binding_id] = keys
    # Dropping a remap puts its binding back on its default key, which can clash with another
    # remap in turn: repeat until nothing clashes. Defaults never clash among themselves, so every
    # clash involves an accepted remap and the loop ends.
    while True:
        owners: dict[str, list[str]] = {}
        for binding_id, keys in _apply(accepted).items():
            for key in keys:
                owners.setdefault(key, []).append(binding_id)
        clash = next(((key, ids) for key, ids in owners.items() if len(ids) > 1), None)
        if clash is None:
            break
        key, ids = clash
        moved = [i for i in ids if i in accepted]
        for binding_id in moved:
            del accepted[binding_id]
        problems.append(
            f"'keys' in {where} puts {' and '.join(ids)} on the same key {key}; "
            f"{' and '.join(moved)} {'keeps its default key' if len(moved) == 1 else 'keep their default keys'}."
        )
    return {binding_id: ",".join(keys) for binding_id, keys in accepted.items()}, problems


def _apply(remaps: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {binding_id: remaps.get(binding_id, (default,)) for binding_id, default in DEFAULT_KEYS.items()}


def keys_in_force(remaps: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Every binding id with the keys that trigger it, first key first (for hints and the palette).

    Remaps that cannot apply are left out exactly as :func:`check_key_remaps` leaves them out,
    so this agrees with what ``App.set_keymap(config.keys)`` does for a loaded config.
    """
    checked, _ = check_key_remaps(remaps)
    return _apply({binding_id: tuple(keys.split(",")) for binding_id, keys in checked.items()})


@cache
def _settings_model():
    """The shape of config.json; strict, so JSON's types are the only ones accepted. Built on first
    use: pydantic costs ~70 ms to import, which a user without a config file never pays."""
    from pydantic import BaseModel, ConfigDict

    class Settings(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid")

        keys: dict[str, object] = {}
        shell_history: bool = False
        history_file: str = "~/.bash_history"
        threshold: float | None = None
        tool: str | None = None
        server: bool = True

    return Settings


_EXPECTED = {"dict_type": "an object such as {\"copy\": \"f5\"}", "bool_type": "true or false",
             "string_type": "a string", "float_type": "a number from 0 to 1"}


@dataclass
class Config:
    keys: dict[str, str] = field(default_factory=dict)  # checked remaps, ready for App.set_keymap
    shell_history: bool = False
    history_file: str = "~/.bash_history"
    threshold: float | None = None
    tool: str | None = None  # the tool to use unless --tool or NLCLI_TOOL says otherwise
    server: bool = True  # answer through the warm background model (nlcli_wizard.server)
    problems: list[str] = field(default_factory=list)  # one sentence per setting that was ignored

    @property
    def problem(self) -> str:
        """What the UI shows about the file: every ignored setting, one per line ("" when none)."""
        return "\n".join(self.problems)


# A settings file is a few hundred bytes; anything far longer is not one.
MAX_CONFIG_BYTES = 256 * 1024


def _read_settings(path: Path) -> str:
    """The file's text (a byte-order mark allowed); OSError or ValueError saying why it cannot be used.
    Opened without blocking and checked to be a regular file: a FIFO would hang, /dev/zero fill memory."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("it is not a regular file")
        raw = handle.read(MAX_CONFIG_BYTES + 1)
    if len(raw) > MAX_CONFIG_BYTES:
        raise ValueError(f"it is over {MAX_CONFIG_BYTES // 1024} KiB")
    return raw.decode("utf-8-sig")


def load_config(path: Path | None = None) -> Config:
    path = path or paths.config_path()
    try:
        data = jsonsafe.loads(_read_settings(path))
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        return Config(problems=[f"Ignored {path} ({exc.strerror or exc}); using default settings."])
    except (UnicodeDecodeError, ValueError) as exc:
        return Config(problems=[f"Ignored {path} ({exc}); using default settings."])
    if not isinstance(data, dict):
        return Config(problems=[f"Ignored {path} (it is not a JSON object); using default settings."])
    from pydantic import ValidationError

    model = _settings_model()
    problems: list[str] = []
    try:
        settings = model.model_validate(data)
    except ValidationError as exc:
        bad = {error["loc"][0] for error in exc.errors()}
        for error in exc.errors():
            name = error["loc"][0]
            if error["type"] == "extra_forbidden":
                problems.append(f"'{name}' in {path} is not a setting (use {', '.join(model.model_fields)}); "
                                "it is ignored.")
            else:
                default = model.model_fields[str(name)].default
                instead = "the adapter's threshold" if default is None else f"the default ({json.dumps(default)})"
                problems.append(f"'{name}' in {path} must be {_EXPECTED.get(error['type'], 'valid')}, "
                                f"not {json.dumps(error['input'], default=repr)}; using {instead}.")
        settings = model.model_validate({k: v for k, v in data.items() if k not in bad})
    threshold = settings.threshold
    if threshold is not None:
        try:
            threshold = finite_probability(threshold, f"'threshold' in {path}")
        except ConfigError as exc:
            problems.append(f"{str(exc)[:-1]}; using the adapter's threshold.")
            threshold = None
    keys, key_problems = check_key_remaps(settings.keys, str(path))
    return Config(keys=keys, shell_history=settings.shell_history, history_file=settings.history_file,
                  threshold=threshold, tool=settings.tool, server=settings.server, problems=problems + key_problems)
