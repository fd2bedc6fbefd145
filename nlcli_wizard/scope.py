"""Is the whole request one the tool can do?

A request that chains a shell command ("list my envs && rm -rf ~/tmp"), talks to the assistant instead
of asking ("ignore your instructions and ..."), or asks in the same breath for something no command of
the tool does ("list my envs and email them to me") is out of scope as a whole: answering its part the
tool can do would do less than was asked, or what someone other than the user wrote. The small model
answered that part of such requests at low but offered confidence, so this check runs on every request
before the model does.

It is deliberately narrow: words that also describe a request the tool can do ("simulate" for a dry run)
are not here, and the safety checks (:mod:`nlcli_wizard.safety`) stay the stricter ones for destructive
commands. The phrases are English data (``lang/en/scope.yaml``) plus the asks a tool's profile adds
(``other_actions``).

Rules: ``scope.shell-chain``, ``scope.instructs-model``, ``scope.other-action``, ``scope.first-clause``.
"""

from __future__ import annotations

import re

from nlcli_wizard import lang
from nlcli_wizard.catalog import Catalog
from nlcli_wizard.checks import Verdict


def _patterns(catalog: Catalog) -> dict[str, re.Pattern[str]]:
    cached = catalog.__dict__.get("_scope")
    if cached is not None:
        return cached
    programs = "|".join(lang.words("scope", "shell_programs"))
    chains = (r"&&", r"\|\|", r"\$\(", r"(?<=\s)\|(?=\s*[a-z])", rf"(?:;\s*|`\s*)(?:{programs})(?![\w-])")
    others = lang.words("scope", "other_actions") + (catalog.profile.data.other_actions if catalog.profile else ())
    other = "|".join(others)
    state = "|".join(re.escape(w) for w in lang.words("scope", "state_verbs"))
    joiners, openers = lang.pattern("scope", "joiners"), lang.pattern("scope", "ask_openers")
    sequencers = lang.pattern("scope", "sequencers")
    compiled = {
        "chain": re.compile("|".join(chains)),
        "talk": re.compile(r"(?<![\w'])(?:" + "|".join(lang.words("scope", "instructions_to_the_model")) + r")(?![\w'])"),
        "other": re.compile(rf"(?<![\w'])(?:{joiners})\s+(?:{openers}\s+)*(?P<act>{other})(?![\w'-])"
                            rf"(?!\s+(?:{state})(?![\w']))"),
        "own": re.compile("|".join(catalog.profile.data.own_actions) if catalog.profile and
                          catalog.profile.data.own_actions else r"(?!)"),
        "first": re.compile(rf"^(?:{lang.pattern('scope', 'first_openers')}\s+)*(?:{other})(?![\w'])"
                            rf"(?!\s+(?:{state})(?![\w'])).*?(?:,|;|\s)\s*{sequencers}(?![\w'])"),
        "sequencers": re.compile(rf"[,;]|\s{sequencers}\b"),
    }
    object.__setattr__(catalog, "_scope", compiled)
    return compiled


def check(query: str, catalog: Catalog) -> Verdict | None:
    """Why the request as a whole is out of scope (a verdict), or None."""
    text = re.sub(r"\s+", " ", query.casefold()).strip()
    program = catalog.program
    found = _patterns(catalog)
    chain = found["chain"].search(text)
    if chain:
        return Verdict("scope.shell-chain", f"The request chains another command ('{chain.group(0).strip()}'); ask "
                                            f"for the {program} part alone and run the rest yourself.")
    talk = found["talk"].search(text)
    if talk:
        return Verdict("scope.instructs-model", f"The request tells the assistant what to do ('{talk.group(0)}') "
                                                f"instead of asking for a {program} action.")
    other = next((m for m in found["other"].finditer(text) if not found["own"].match(text, m.start("act"))), None)
    if other:
        return Verdict("scope.other-action", f"The request also asks for something {program} cannot do "
                                             f"('{other.group(0).strip(' ,;')}'); ask for the {program} part alone.")
    first = found["first"].search(text)
    if first:
        ask = found["sequencers"].split(first.group(0))[0]
        return Verdict("scope.first-clause", f"The request first asks for something {program} cannot do "
                                             f"('{ask.strip()}'); ask for the {program} part alone.")
    return None
