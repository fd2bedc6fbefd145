"""A GBNF grammar of valid venvy command lines, generated from the catalog.

Used only for the retry after an invalid answer: it costs ~3x per token
(llama.cpp checks every vocabulary entry against it), so the common path
stays unconstrained. Rule names avoid '_', which GBNF rejects.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from nlcli_wizard.catalog import Catalog, ParamSpec, load_catalog
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
                  values: Callable[[ParamSpec], list[str] | None] | None = None) -> str:
    """The grammar; ``values`` may restrict a parameter to listed (already quoted) values,
    and a parameter with an empty list is left out (a required one drops its subcommand)."""
    catalog = catalog or load_catalog()
    values = values or (lambda param: None)
    rules, commands = [], []
    for i, spec in enumerate(catalog.commands.values()):
        parts = [_literal(" " + spec.name)]
        for j, arg in enumerate(spec.arguments):
            allowed = values(arg)
            if allowed == [] and arg.required:
                break
            if allowed != []:
                rules.append(f'c{i}a{j} ::= " " {_value_rule(arg, allowed)}')
                parts.append(f"c{i}a{j}" + ("" if arg.required else "?"))
        else:
            alternatives = []
            for j, opt in enumerate(spec.options):
                allowed = values(opt) if opt.takes_value else None
                if allowed == []:
                    continue
                value = "" if not opt.takes_value else f' " " {_value_rule(opt, allowed)}'
                rules.append(f"c{i}o{j} ::= {_literal(' ' + opt.long)}{value}")
                alternatives.append(f"c{i}o{j}")
            if alternatives:
                parts.append("( " + " | ".join(alternatives) + " )*")
            rules.append(f"c{i} ::= " + " ".join(parts))
            commands.append(f"c{i}")
    head = [
        f'root ::= " {catalog.program}" invocation | {_literal(" " + ABSTAIN)}',
        'invocation ::= " --version" | verbose? ( ' + " | ".join(commands) + " )",
        'verbose ::= " --verbose"',
    ]
    return "\n".join(head + rules) + "\n"


@cache
def venvy_grammar() -> str:
    return build_grammar()
