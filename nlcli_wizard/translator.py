"""The service the CLI and the TUI both talk to: request in, checked command out.

``Translator.stream`` yields events as the model writes, so a UI can show the command forming;
``translate`` is the same thing, collected. The checks run as lists, each returning a
:class:`~nlcli_wizard.checks.Verdict` with a rule id:

1. :data:`REQUEST_CHECKS` on the request alone, before the model (scope).
2. The answer's own checks, each of which may decode again under a grammar first: validation (an invalid
   answer is retried under a grammar of valid commands), grounding (an answer that changed a value, under
   one that only admits the request's own spans and numbers), coverage (a value the request states and
   the answer left out, under one that requires it; what is still left out lowers the confidence).
3. The confidence threshold (``confidence.low``).
4. :data:`OFFER_CHECKS` on the answer about to be offered: a command the tool is known to crash on is
   replaced by the working one that does the same job (``crash.known``), and destructive commands go through
   :mod:`nlcli_wizard.safety`.

Anything still invalid, out of scope or refused is an abstention with a reason and its rule id, never a
command.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from nlcli_wizard import coverage, crashes, safety, scope
from nlcli_wizard.catalog import Catalog
from nlcli_wizard.checks import Offer, OfferCheck, RequestCheck
from nlcli_wizard.confidence import confidence, signals
from nlcli_wizard.grammar import _literal, tool_grammar
from nlcli_wizard.grounding import Grounding, ground, grounded_grammar
from nlcli_wizard.prompt import build_prompt, judge_prompt, normalize_query, parse_answer
from nlcli_wizard.speculation import answer_shapes
from nlcli_wizard.validator import ParsedCommand, Validation, validate

if TYPE_CHECKING:
    from nlcli_wizard.engine import Engine

DEFAULT_THRESHOLD = 0.5
# At most this many extra decodes to put back values an answer left out (each costs ~0.3 s).
MAX_COVER_RETRIES = 2

REQUEST_CHECKS: tuple[RequestCheck, ...] = (scope.check,)
OFFER_CHECKS: tuple[OfferCheck, ...] = (crashes.check, safety.check)


@dataclass(frozen=True)
class Chunk:
    """A piece of the answer as the model writes it."""

    text: str


@dataclass(frozen=True)
class Retry:
    """The first answer was invalid; a constrained second attempt starts now."""

    reason: str


@dataclass(frozen=True)
class Translation:
    query: str
    command: str | None
    confidence: float
    abstained: bool
    reason: str
    latency_s: float
    candidate: str | None = None  # the model's (canonical) answer, even when not offered
    logprob: float = 0.0  # log-probability of the whole answer, before calibration
    subcommand: str | None = None
    used_options: tuple[str, ...] = ()
    retried: bool = False
    model_id: str = ""
    # Whose answer this is: "model"; "correction" when the user's own saved correction answered; "scope" when
    # the request was out of scope as a whole before the model ran (nlcli_wizard.scope).
    source: str = "model"
    # The rule that refused the answer, or that replaced it by the one offered ("" when none did).
    rule: str = ""
    # Why the command offered is not the model's own answer (a repair), in one sentence; "" when it is.
    note: str = ""
    tool: str = ""
    # The validated command behind ``candidate``, so callers never parse it again.
    parsed: ParsedCommand | None = field(default=None, compare=False, repr=False)
    # What the confidence was computed from besides the log-probability (confidence.signals).
    evidence: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        data = asdict(replace(self, parsed=None))
        del data["parsed"]
        data["used_options"] = list(self.used_options)
        data["confidence"] = round(self.confidence, 4)
        data["latency_s"] = round(self.latency_s, 4)
        data["logprob"] = round(self.logprob, 4)
        return data


Event = Chunk | Retry | Translation


@dataclass(frozen=True)
class Attempt:
    """One decoding: the answer (None for NONE), its validation and its token log-probabilities."""

    answer: str | None
    check: Validation | None
    logprobs: list[float]


class Translator:
    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        threshold: float | None = None,
        prompt: Callable[[str], str] = build_prompt,
        retry: bool = True,
        cover_margin: float = coverage.DEFAULT_MARGIN,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.prompt = prompt
        self.retry = retry
        self.cover_margin = cover_margin
        self.shapes = answer_shapes(catalog)
        calibration = getattr(engine, "calibration", None) or {}
        self.threshold = threshold if threshold is not None else calibration.get("threshold", DEFAULT_THRESHOLD)
        self.judge_bar = calibration.get("judge_bar", safety.DEFAULT_JUDGE_BAR)

    @property
    def model_id(self) -> str:
        return self.engine.model_id

    @property
    def tool(self) -> str:
        return self.catalog.profile.name if self.catalog.profile else self.catalog.program

    def _decode(self, prompt: str, grammar: str | None) -> Generator[Chunk, None, Attempt]:
        """Stream the answer's chunks; return the finished :class:`Attempt`."""
        text, logprobs = "", []
        for step in self.engine.generate(prompt, grammar=grammar, shapes=self.shapes):
            text += step.text
            logprobs.append(step.logprob)
            if step.text:
                yield Chunk(step.text)
        answer = parse_answer(text)
        return Attempt(answer, validate(answer, self.catalog) if answer else None, logprobs)

    def judge(self, query: str, parsed: ParsedCommand) -> float | None:
        """P(the request asks for exactly this command), read from the model; None when the engine cannot."""
        scorer = getattr(self.engine, "judge", None)
        return scorer(judge_prompt(query, parsed.canonical)) if scorer is not None else None

    def read(self, part: str) -> ParsedCommand | None:
        """The model's answer for a part of a request read on its own (not streamed): a valid command or None."""
        decoding = self._decode(self.prompt(part), None)
        while True:
            try:
                next(decoding)
            except StopIteration as done:
                attempt = done.value
                return attempt.check.parsed if attempt.check is not None and attempt.check.ok else None

    def stream(self, query: str) -> Iterator[Event]:
        """Yield :class:`Chunk`s, maybe a :class:`Retry`, then one :class:`Translation`.

        Raises a :class:`UsageError` for an empty or over-long query before touching the model, and lets
        :class:`ModelError` through.
        """
        clean = normalize_query(query)
        started = time.perf_counter()
        for request_check in REQUEST_CHECKS:
            verdict = request_check(clean, self.catalog)
            if verdict is not None:
                yield Translation(query=query, command=None, confidence=0.0, abstained=True, reason=verdict.message,
                                  rule=verdict.rule, latency_s=time.perf_counter() - started, model_id=self.model_id,
                                  source="scope", tool=self.tool)
                return
        prompt = self.prompt(clean)
        retried = False
        attempt = yield from self._decode(prompt, None)
        if self.retry and attempt.check is not None and not attempt.check.ok:
            retried = True
            yield Retry(f"The answer was not a valid {self.catalog.program} command "
                        f"({attempt.check.reason.rstrip('.')}).")
            attempt = yield from self._decode(prompt, tool_grammar(self.catalog))
        grounding = None
        if attempt.check is not None and attempt.check.ok:
            grounding = ground(clean, attempt.check.parsed)
            if not grounding.ok and self.retry:
                retried = True
                yield Retry(f"The answer changed a value: {grounding.reason}.")
                attempt = yield from self._decode(prompt, grounded_grammar(clean, self.catalog))
                if attempt.check is not None and attempt.check.ok:
                    grounding = ground(clean, attempt.check.parsed)
        unused = 0
        if grounding is not None and grounding.ok:
            attempt, unused, covered = yield from self._cover(clean, prompt, attempt)
            retried = retried or covered
        translation = self._decide(query, attempt, grounding, retried, time.perf_counter() - started, unused)
        if not translation.abstained:
            translation = yield from self._offer(clean, prompt, translation)
        yield replace(translation, latency_s=time.perf_counter() - started)

    def _cover(self, query: str, prompt: str, attempt: Attempt) -> Generator[Event, None, tuple[Attempt, int, bool]]:
        """Decode again, requiring a value the answer left out (or without the help page nobody asked
        for), while the model finds the new answer about as likely (:mod:`nlcli_wizard.coverage`). Returns
        the answer kept, how many of the request's values it still leaves out, and whether a retry gave it."""
        covers = 0
        while True:
            assert attempt.check is not None
            parsed = attempt.check.parsed
            found = coverage.leftovers(query, parsed)
            if not self.retry or covers == MAX_COVER_RETRIES:
                break
            if parsed.help and not coverage.asks_for_help(query):
                yield Retry("The answer is a help page, but the request asks for no help.")
                text = coverage.without_help_grammar(query, self.catalog)
            else:
                grammar = next(((x, g) for x in found if (g := coverage.required_grammar(query, x, parsed))), None)
                if grammar is None:
                    break
                leftover, text = grammar
                yield Retry(f"The answer left out {leftover.describe()}.")
            forced = yield from self._decode(prompt, text)
            if (forced.check is None or not forced.check.ok
                    or not ground(query, forced.check.parsed).ok
                    or not coverage.accept(attempt.logprobs, forced.logprobs, self.cover_margin)):
                break
            attempt, covers = forced, covers + 1
        return attempt, len(found), covers > 0

    def _score(self, attempt: Attempt, retried: bool, unused: int) -> tuple[float, dict]:
        parsed_values = attempt.check.parsed.values if attempt.check is not None and attempt.check.ok else {}
        evidence = signals(attempt.logprobs, retried=retried, values=len(parsed_values),
                           abstain=attempt.answer is None, unused=unused)
        return confidence(attempt.logprobs, getattr(self.engine, "calibration", None), evidence), evidence

    def _decide(self, query: str, attempt: Attempt, grounding: Grounding | None, retried: bool,
                latency: float, unused: int = 0) -> Translation:
        answer, check = attempt.answer, attempt.check
        score, evidence = self._score(attempt, retried, unused)
        common = dict(query=query, latency_s=latency, retried=retried, model_id=self.model_id,
                      logprob=sum(attempt.logprobs), evidence=evidence, tool=self.tool)
        program = self.catalog.program
        if answer is None:
            return Translation(command=None, confidence=score, abstained=True, rule="model.none",
                               reason=self.catalog.profile.data.out_of_scope if self.catalog.profile else
                               f"{program} cannot do this.", **common)
        if not check.ok:
            return Translation(
                command=None, confidence=0.0, abstained=True, candidate=answer, rule="validation.invalid",
                reason=f"The model could not produce a valid {program} command ({check.reason}); try rephrasing.",
                **common,
            )
        parsed = check.parsed
        canonical = parsed.canonical
        about = dict(candidate=canonical, subcommand=parsed.subcommand, parsed=parsed)
        if grounding is not None and not grounding.ok:
            return Translation(
                command=None, confidence=0.0, abstained=True, rule=grounding.rule, **about, **common,
                reason=f"The model's answer '{canonical}' is not faithful to the request: {grounding.reason}. "
                       "Write the value exactly as it should appear in the command.",
            )
        if not score >= self.threshold:
            return Translation(
                command=None, confidence=score, abstained=True, rule="confidence.low", **about, **common,
                reason=f"Not confident enough ({score:.0%}) to suggest '{canonical}'; try rephrasing the request.",
            )
        return Translation(command=canonical, confidence=score, abstained=False, reason="",
                           used_options=tuple(parsed.used_options()), **about, **common)

    def _offer(self, query: str, prompt: str, translation: Translation) -> Generator[Event, None, Translation]:
        """The offer-stage checks, in order: a refusal ends it; a repair replaces the command (its confidence
        the model's own for the repaired command) and the remaining checks judge the repair."""
        parsed = translation.parsed
        assert parsed is not None
        score, note, rule = translation.confidence, "", ""
        for offer_check in OFFER_CHECKS:
            verdict = offer_check(Offer(query, parsed, score, self.catalog, self.threshold, self.judge, self.judge_bar,
                                        typed=translation.query, read=self.read))
            if verdict is None:
                continue
            if verdict.refuses:
                return replace(translation, command=None, abstained=True, confidence=score, reason=verdict.message,
                               rule=verdict.rule, note=note)
            repaired = verdict.repair
            assert repaired is not None
            yield Retry(verdict.message)
            score = yield from self._rescore(prompt, repaired, translation)
            parsed, note, rule = repaired, verdict.message, verdict.rule
            if not score >= self.threshold:
                return replace(translation, command=None, abstained=True, confidence=score, rule="confidence.low",
                               reason=f"{note} Not confident enough ({score:.0%}) to suggest "
                                      f"'{repaired.canonical}'.")
        return replace(translation, command=parsed.canonical, confidence=score, note=note, rule=rule,
                       candidate=parsed.canonical, subcommand=parsed.subcommand, parsed=parsed,
                       used_options=tuple(parsed.used_options()))

    def _rescore(self, prompt: str, parsed: ParsedCommand, translation: Translation) -> Generator[Event, None, float]:
        """The model's own confidence in ``parsed``: decoded under a grammar that admits only that command."""
        attempt = yield from self._decode(prompt, f"root ::= {_literal(' ' + parsed.canonical)}\n")
        if attempt.check is None or not attempt.check.ok or not attempt.logprobs:
            return 0.0
        score, _ = self._score(attempt, translation.retried, int(translation.evidence.get("unused", 0)))
        return score if math.isfinite(score) else 0.0

    def translate(self, query: str) -> Translation:
        for event in self.stream(query):
            if isinstance(event, Translation):
                return event
        raise AssertionError("stream ended without a translation")

