"""A GBNF grammar of valid venvy command lines, generated from the catalog.

Used for the retries: after an invalid answer, after one whose values are not
the request's own (with the values restricted to the request's spans), and to
put back a value an answer left out (with that parameter required). The first
decode stays unconstrained: the fine-tuned model rarely needs the grammar.
Rule names avoid '_', which GBNF rejects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

from nlcli_wizard.catalog import Catalog, ParamSpec, load_catalog
from nlcli_wizard.errors import GrammarError
from nlcli_wizard.prompt import ABSTAIN

# Characters a path or name may use without quoting; the validator still
# checks the result, the grammar only keeps the model on safe ground.
_WORD = r"[A-Za-z0-9_./~+@%:,=-]"


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value_rule(param: ParamSpec, allowed: list[str] | None = None) -> str:
    if allowed is not None:
        return "(" + " | ".join(_literal(a) for a in allowed) + ")"
    if param.kind == "choice":
        return "(" + " | ".join(_literal(c) for c in param.choices) + ")"
    if param.kind == "int":
        return "[0-9] [0-9]? [0-9]? [0-9]?"
    return f"{_WORD}+"


def build_grammar(catalog: Catalog | None = None,
                  values: Callable[[ParamSpec], list[str] | None] | None = None,
                  require: Mapping[str, tuple[str, list[str]]] | None = None, help: bool = True) -> str:
    """The grammar; ``values`` may restrict a parameter to listed (already quoted) values,
    and a parameter with an empty list is left out (a required one drops its subcommand).

    ``require`` maps subcommands to a parameter each must set and the values it may take
    there: only those subcommands remain, with that parameter mandatory, and neither
    ``--version`` nor the abstention is left. ``help=False`` leaves out every ``--help``."""
    catalog = catalog or load_catalog()
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
                rules.append(f'c{i}a{j} ::= " " {_value_rule(arg, allowed)}')
                parts.append(f"c{i}a{j}" + ("" if arg.required or arg.name == needed else "?"))
        else:
            # Options in the canonical order (venvy's declaration order, as the model was taught), each at
            # most once: a grammar that let them repeat in any order let the model loop on one flag.
            takes_needed = needed is None or any(arg.name == needed for arg in spec.arguments)
            for j, opt in enumerate(spec.options):
                allowed = (needed_values if opt.name == needed else values(opt)) if opt.takes_value else None
                if allowed == []:
                    continue
                value = "" if not opt.takes_value else f' " " {_value_rule(opt, allowed)}'
                rules.append(f"c{i}o{j} ::= {_literal(' ' + opt.long)}{value}")
                parts.append(f"c{i}o{j}" + ("" if opt.name == needed else "?"))
                takes_needed = takes_needed or opt.name == needed
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
    verbose = 'verbose ::= " --verbose"'
    if require is not None:
        return "\n".join([f'root ::= " {catalog.program}" verbose? ( ' + " | ".join(commands) + " )", verbose]
                         + rules) + "\n"
    head = [
        f'root ::= " {catalog.program}" invocation | {_literal(" " + ABSTAIN)}',
        'invocation ::= " --version" | ' + ('" --help" | ' if help else "") + "verbose? ( " + " | ".join(commands)
        + " )",
        verbose,
    ]
    return "\n".join(head + rules) + "\n"


@cache
def venvy_grammar() -> str:
    return build_grammar()
