"""A GBNF grammar of valid venvy command lines, generated from the catalog.

Used only for the retry after an invalid answer: it costs ~3x per token
(llama.cpp checks every vocabulary entry against it), so the common path
stays unconstrained. Rule names avoid '_', which GBNF rejects.
"""

from __future__ import annotations

from functools import cache

from nlcli_wizard.catalog import Catalog, ParamSpec, load_catalog
from nlcli_wizard.prompt import ABSTAIN

# Characters a path or name may use without quoting; the validator still
# checks the result, the grammar only keeps the model on safe ground.
_WORD = r"[A-Za-z0-9_./~+@%:,=-]"


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value_rule(param: ParamSpec) -> str:
    if param.kind == "choice":
        return "(" + " | ".join(_literal(c) for c in param.choices) + ")"
    if param.kind == "int":
        return "[0-9] [0-9]? [0-9]? [0-9]?"
    return f"{_WORD}+"


def build_grammar(catalog: Catalog | None = None) -> str:
    catalog = catalog or load_catalog()
    lines = [
        f'root ::= " {catalog.program}" invocation | {_literal(" " + ABSTAIN)}',
        'invocation ::= " --version" | verbose? ( ' + " | ".join(f"c{i}" for i in range(len(catalog.commands))) + " )",
        'verbose ::= " --verbose"',
    ]
    for i, spec in enumerate(catalog.commands.values()):
        parts = [_literal(" " + spec.name)]
        for j, arg in enumerate(spec.arguments):
            lines.append(f'c{i}a{j} ::= " " {_value_rule(arg)}')
            parts.append(f"c{i}a{j}" + ("" if arg.required else "?"))
        if spec.options:
            alternatives = []
            for j, opt in enumerate(spec.options):
                value = "" if not opt.takes_value else f' " " {_value_rule(opt)}'
                lines.append(f"c{i}o{j} ::= {_literal(' ' + opt.long)}{value}")
                alternatives.append(f"c{i}o{j}")
            parts.append("( " + " | ".join(alternatives) + " )*")
        lines.append(f"c{i} ::= " + " ".join(parts))
    return "\n".join(lines) + "\n"


@cache
def venvy_grammar() -> str:
    return build_grammar()
