"""A GBNF grammar of valid command lines of a tool, generated from its catalog.

Used for the retries: after an invalid answer, after one whose values are not the request's own (with
the values restricted to the request's spans), and to put back a value an answer left out (with that
parameter required). The first decode stays unconstrained: the fine-tuned model rarely needs the
grammar. Rule names avoid '_', which GBNF rejects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from nlcli_wizard.catalog import Catalog, ParamSpec
from nlcli_wizard.errors import GrammarError
from nlcli_wizard.prompt import ABSTAIN

# Characters a path or name may use without quoting; the validator still
# checks the result, the grammar only keeps the model on safe ground.
_WORD = r"[A-Za-z0-9_./~+@%:,=-]"


def _escape(char: str) -> str:
    """One character inside a GBNF string: printable ones as they are, the rest as code points
    (a NUL would end the grammar text where llama.cpp reads it as a C string)."""
    if char in '\\"':
        return "\\" + char
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\x{code:02X}" if code < 0x100 else f"\\u{code:04X}" if code < 0x10000 else f"\\U{code:08X}"


def _literal(text: str) -> str:
    return '"' + "".join(_escape(c) for c in text) + '"'


def _free(kind: str, choices: tuple[str, ...]) -> str:
    if kind == "choice":
        return "(" + " | ".join(_literal(c) for c in choices) + ")"
    if kind == "int":
        return "[0-9] [0-9]? [0-9]? [0-9]?"
    if kind == "float":
        return '[0-9] [0-9]? [0-9]? [0-9]? ("." [0-9] [0-9]?)?'
    return f"{_WORD}+"


def _value_rule(param: ParamSpec, allowed: list[str] | None = None) -> str:
    """One occurrence's value(s), each after a space: ``" " v`` or, for "--rename OLD NEW", ``" " a " " b``."""
    if param.parts:
        return " ".join(f'" " {_restricted(kind, choices, allowed)}' for kind, choices in param.parts)
    one = f'" " {_restricted(param.kind, param.choices, allowed)}'
    return " ".join([one] * param.nargs) if param.nargs > 1 else one


def _restricted(kind: str, choices: tuple[str, ...], allowed: list[str] | None) -> str:
    # A choice stays a choice; a free value is one of the allowed ones when the caller restricts it.
    if allowed is not None and kind != "choice":
        return "(" + " | ".join(_literal(a) for a in allowed) + ")"
    return _free(kind, choices)


def build_grammar(catalog: Catalog,
                  values: Callable[[ParamSpec], list[str] | None] | None = None,
                  require: Mapping[str, tuple[str, list[str]]] | None = None, help: bool = True) -> str:
    """The grammar; ``values`` may restrict a parameter to listed (already quoted) values,
    and a parameter with an empty list is left out (a required one drops its subcommand).

    ``require`` maps subcommands to a parameter each must set and the values it may take
    there: only those subcommands remain, with that parameter mandatory, and neither
    ``--version`` nor the abstention is left. ``help=False`` leaves out every ``--help``."""
    values = values or (lambda param: None)
    rules, commands = [], []
    for i, spec in enumerate(catalog.commands.values()):
        if require is not None and spec.name not in require:
            continue
        needed, needed_values = require[spec.name] if require is not None else (None, None)
        parts = [_literal(" " + spec.name)]
        for j, arg in enumerate(spec.arguments):
            allowed = needed_values if arg.name == needed else values(arg)
            if allowed == [] and (arg.required or arg.name == needed):
                break
            if allowed != []:
                rules.append(f"c{i}a{j} ::= {_value_rule(arg, allowed)}")
                mandatory = arg.required or arg.name == needed
                suffix = ("+" if mandatory else "*") if arg.nargs == -1 else ("" if mandatory else "?")
                parts.append(f"c{i}a{j}{suffix}")
        else:
            # Options in the canonical order (the tool's declaration order, as the model was taught), each at
            # most once (a repeated one's occurrences together): a grammar that let them come in any order let
            # the model loop on one flag.
            takes_needed = needed is None or any(arg.name == needed for arg in spec.arguments)
            for j, opt in enumerate(spec.options):
                allowed = (needed_values if opt.name == needed else values(opt)) if opt.takes_value else None
                if allowed == []:
                    continue
                if opt.kind == "flag":
                    body = " | ".join(_literal(" " + s) for s in (opt.long, *opt.off[:1]))
                    rules.append(f"c{i}o{j} ::= {body}")
                else:
                    rules.append(f"c{i}o{j} ::= {_literal(' ' + opt.long)} {_value_rule(opt, allowed)}")
                mandatory = opt.name == needed
                suffix = ("+" if mandatory else "*") if opt.multiple else ("" if mandatory else "?")
                parts.append(f"c{i}o{j}{suffix}")
                takes_needed = takes_needed or mandatory
            if not takes_needed:
                continue  # the parameter it must set is not one of its own
            if require is not None or not help:
                body = " ".join(parts)
            elif len(parts) > 1:  # its help, or its arguments and options
                body = f'{parts[0]} ( " --help" | {" ".join(parts[1:])} )'
            else:
                body = f'{parts[0]} " --help"?'
            rules.append(f"c{i} ::= {body}")
            commands.append(f"c{i}")
    if not commands:
        raise GrammarError("No subcommand can take the required value.")
    flags = [p for p in catalog.group_options if p.kind == "flag" and p.name != "version"]
    group_rules = [f"g{k} ::= {_literal(' ' + p.long)}" for k, p in enumerate(flags)]
    prefix = " ".join(f"g{k}?" for k in range(len(flags)))
    invocation = f"{prefix} ( {' | '.join(commands)} )".strip()
    if require is not None:
        return "\n".join([f'root ::= {_literal(" " + catalog.program)} {invocation}', *group_rules] + rules) + "\n"
    version = next((p.long for p in catalog.group_options if p.name == "version"), None)
    heads = ([_literal(" " + version)] if version else []) + (['" --help"'] if help else [])
    head = [
        f'root ::= {_literal(" " + catalog.program)} invocation | {_literal(" " + ABSTAIN)}',
        "invocation ::= " + " | ".join([*heads, f"( {invocation} )"]),
        *group_rules,
    ]
    return "\n".join(head + rules) + "\n"


def tool_grammar(catalog: Catalog) -> str:
    """The grammar of every valid command of the tool (cached on the catalog: it never changes)."""
    cached = catalog.__dict__.get("_grammar")
    if cached is None:
        cached = build_grammar(catalog)
        object.__setattr__(catalog, "_grammar", cached)
    return cached
