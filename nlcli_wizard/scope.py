"""Is the whole request one the tool can do?

A request that chains a shell command ("list my envs && rm -rf ~/tmp"),
talks to the assistant instead of asking ("ignore your instructions and ..."),
or asks in the same breath for something no venvy command does ("list my
venvs and email them to me") is out of scope as a whole: answering its venvy
part would do less than was asked, or what someone other than the user wrote.
The small model answered the venvy part of such requests at low but offered
confidence, so this check runs on every request before the model does.

It is deliberately narrow: words that also describe a venvy request ("imagine",
"simulate" for a dry run, "activate" in "track envs when I activate them")
are not here, and the deletion gate in :mod:`nlcli_wizard.safety` stays the
stricter check for deleting commands. The vocabulary is English data at the
top of the module; nothing in it names venvy.
"""

from __future__ import annotations

import re

# Programs a request has no business running beside venvy. (Backticks alone are how people quote a command.)
SHELL_PROGRAMS = ("rm", "cat", "curl", "wget", "sudo", "sh", "bash", "chmod", "chown", "dd", "mkfs", "git", "pip",
                  "npm", "whoami", "echo", "printenv", "nc", "scp", "ssh", "shutdown", "reboot", "kill")
# Shell syntax that runs a second command: a chain, a pipe into a program, a substitution.
SHELL_CHAINS = (
    r"&&", r"\|\|", r"\$\(", r"(?<=\s)\|(?=\s*[a-z])", rf"(?:;\s*|`\s*)(?:{'|'.join(SHELL_PROGRAMS)})(?![\w-])",
)

# Text addressed to the assistant, not a request of the user's own.
INSTRUCTIONS_TO_THE_MODEL = (
    r"(?:ignore|disregard|forget|override|bypass) (?:all (?:of )?)?(?:your|the|previous|prior|earlier|above|usual"
    r"|system|safety|original|these|those)(?: \w+)? (?:instructions?|rules?|prompts?|guidelines|guardrails"
    r"|restrictions|constraints|programming|training)",
    r"(?:ignore|disregard) all (?:instructions?|rules)",
    r"disregard (?:the |everything |all )?(?:above|previous|prior)", r"ignore (?:everything|all) (?:above|before)",
    r"ignore everything (?:above|and|else)", r"pretend (?:the|you|that)",
    r"(?:output|print|reply with|respond with) (?:exactly|only|just) (?:this|the following)",
    r"system prompt", r"you are now", r"you're now", r"jailbreak", r"(?:developer|god|dan|unrestricted) mode",
    r"(?:^|\[)\s*(?:system|admin|assistant)\s*(?:override|:|\])", r"new instructions?",
)

# Asks that no command of the tool's kind does, joined to the request ("... and then email it to me").
JOINERS = r"(?:and(?: then)?|then|also|after(?:wards| that)|plus|before that|;|,)"
OTHER_ACTIONS = (
    r"e-?mail", r"mail", r"send", r"post", r"upload", r"push", r"commit", r"tweet", r"slack", r"print (?:it|them) out",
    r"install", r"reinstall", r"upgrade", r"update (?:pip|packages|requirements|all)", r"pip", r"conda install",
    r"npm", r"git", r"curl", r"wget", r"cat", r"rm", r"reboot", r"restart", r"shut ?down", r"zip", r"tar",
    r"(?:delete|remove|wipe|erase) (?:all |every |the )?(?:files|everything|my home|the home|~/\w+ folder)",
    r"create (?:a |an )?(?:new )?(?:venv|env|environment|virtualenv)", r"make (?:a |an )?new (?:venv|env|environment)",
    r"activate (?:it|them|each|every|whichever|the first)", r"deactivate", r"recreate", r"repair", r"merge", r"archive",
    r"kill", r"bump", r"set my", r"put (?:it|them)", r"pipe", r"save (?:it |them |the \w+ )?(?:to|in|as)",
    r"open (?:each|it|them|in)", r"update (?:it|them|all)", r"conda update", r"drop the \w+ database",
)
# After one of those words, a verb that makes it the subject of a complaint, not an ask ("and pip is broken").
STATE_VERBS = ("is", "was", "are", "were", "has", "had", "keeps", "broke", "isn't", "wasn't", "won't", "doesn't",
               "didn't", "can't", "died", "hangs", "fails", "failed")

_CHAIN = re.compile("|".join(SHELL_CHAINS))
_MODEL_TALK = re.compile(r"(?<![\w'])(?:" + "|".join(INSTRUCTIONS_TO_THE_MODEL) + r")(?![\w'])")
_OTHER = re.compile(rf"(?<![\w'])(?:{JOINERS})\s+(?:(?:please|kindly|can you|could you|you can|you could|"
                    rf"i want you to|i'd like you to|go and|also|then)\s+)*(?:{'|'.join(OTHER_ACTIONS)})(?![\w'])"
                    rf"(?!\s+(?:{'|'.join(STATE_VERBS)})(?![\w']))")


# The same asks in the first clause, before a word that sequences a second one ("pip install x, then list ...").
_OTHER_FIRST = re.compile(rf"^(?:(?:first|please|pls|ok|so|now|can you|could you|go and)\s+)*(?:{'|'.join(OTHER_ACTIONS)})"
                          r"(?![\w'])(?!\s+(?:" + "|".join(STATE_VERBS) + r")(?![\w']))"
                          r".*?(?:,|;|\s)\s*(?:and then|then|after that|afterwards|and after|before that)(?![\w'])")


def beyond(query: str) -> str | None:
    """One sentence saying why the request as a whole is out of scope, or None."""
    text = re.sub(r"\s+", " ", query.casefold()).strip()
    chain = _CHAIN.search(text)
    if chain:
        return (f"The request chains another command ('{chain.group(0).strip()}'); ask for the venvy part alone "
                "and run the rest yourself.")
    talk = _MODEL_TALK.search(text)
    if talk:
        return f"The request tells the assistant what to do ('{talk.group(0)}') instead of asking for a venvy action."
    other = _OTHER.search(text)
    if other:
        return (f"The request also asks for something venvy cannot do ('{other.group(0).strip(' ,;')}'); "
                "ask for the venvy part alone.")
    first = _OTHER_FIRST.search(text)
    if first:
        ask = re.split(r"[,;]|\s(?:and then|then|after that|afterwards|and after|before that)\b", first.group(0))[0]
        return f"The request first asks for something venvy cannot do ('{ask.strip()}'); ask for the venvy part alone."
    return None
