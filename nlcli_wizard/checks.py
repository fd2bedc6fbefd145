"""One shape for every check that can refuse or change an answer.

Scope, validation, grounding, coverage and safety each return a :class:`Verdict`: a stable rule id
(``scope.shell-chain``, ``grounding.not-in-request``, ``safety.force-not-asked``...), one sentence for the
user, and optionally a repair — a command that does what was asked and is offered instead (the command
without ``--force`` when only the skip of the confirmation is in doubt, the working command for one the
tool crashes on). The rule id travels with the answer: in the abstention's reason, ``--json``, the
feedback log and the evaluation report, where misses are counted by rule.

The translator runs the checks of each stage as a list (:data:`nlcli_wizard.translator.REQUEST_CHECKS`,
:data:`~nlcli_wizard.translator.OFFER_CHECKS`); each rule has fixture tests that must trip it and must
not (``tests/test_checks.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from nlcli_wizard.catalog import Catalog
    from nlcli_wizard.validator import ParsedCommand


@dataclass(frozen=True)
class Verdict:
    rule: str  # stable id: "<check>.<rule>"
    message: str  # one sentence the user reads
    repair: ParsedCommand | None = field(default=None, compare=False)  # offered instead, when there is one

    @property
    def refuses(self) -> bool:
        return self.repair is None


@dataclass
class Offer:
    """What the offer-stage checks look at: the request, the answer about to be offered, its confidence."""

    query: str
    parsed: ParsedCommand
    confidence: float
    catalog: Catalog
    threshold: float = 0.0
    # P(the request asks for exactly this command), from the model (None where the engine cannot judge).
    judge: Callable[[str, ParsedCommand], float | None] | None = None
    # The P(asked) a destructive command needs (the adapter's calibration may set it).
    judge_bar: float = 0.5
    # The request as typed, before line breaks became spaces (None: the same as ``query``).
    typed: str | None = None
    # The model's answer for a part of the request read on its own (None: no valid command; the field None:
    # this engine cannot read one).
    read: Callable[[str], ParsedCommand | None] | None = None


class RequestCheck(Protocol):
    """Runs on the request alone, before the model: a verdict turns the request away."""

    def __call__(self, query: str, catalog: Catalog) -> Verdict | None: ...


class OfferCheck(Protocol):
    """Runs on an answer about to be offered: a verdict refuses it, or repairs it into another command."""

    def __call__(self, offer: Offer) -> Verdict | None: ...
