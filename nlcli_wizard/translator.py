"""The service the CLI and the TUI both talk to: request in, checked command out.

``Translator.stream`` yields events as the model writes, so a UI can show
the command forming; ``translate`` is the same thing, collected. Every answer
is validated against venvy's parser; an invalid one gets one retry under a
grammar that only admits valid venvy syntax; anything still invalid, out of
scope, or below the confidence threshold comes back as an abstention with a
reason, never as a command.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field, replace

from nlcli_wizard import coverage, safety, scope
from nlcli_wizard.catalog import load_catalog
from nlcli_wizard.confidence import confidence, signals
from nlcli_wizard.engine import Engine
from nlcli_wizard.grammar import venvy_grammar
from nlcli_wizard.grounding import Grounding, ground, grounded_grammar
from nlcli_wizard.prompt import build_prompt, normalize_query, parse_answer
from nlcli_wizard.speculation import answer_shapes
from nlcli_wizard.validator import ParsedCommand, Validation, validate

DEFAULT_THRESHOLD = 0.5
# At most this many extra decodes to put back values an answer left out (each costs ~0.3 s).
MAX_COVER_RETRIES = 2
OUT_OF_SCOPE = (
    "venvy cannot do this: it lists, registers, scans, inspects and cleans up environments, "
    "but does not create or activate them or install packages. If you meant one of those, try rephrasing."
)


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
        threshold: float | None = None,
        prompt: Callable[[str], str] = build_prompt,
        retry: bool = True,
        cover_margin: float = coverage.DEFAULT_MARGIN,
    ) -> None:
        self.engine = engine
        self.prompt = prompt
        self.retry = retry
        self.cover_margin = cover_margin
        self.catalog = load_catalog()
        self.shapes = answer_shapes(self.catalog)
        calibration = getattr(engine, "calibration", None) or {}
        self.threshold = threshold if threshold is not None else calibration.get("threshold", DEFAULT_THRESHOLD)

    @property
    def model_id(self) -> str:
        return self.engine.model_id

    def _decode(self, prompt: str, grammar: str | None) -> Generator[Chunk, None, Attempt]:
        """Stream the answer's chunks; return the finished :class:`Attempt`."""
        text, logprobs = "", []
        for step in self.engine.generate(prompt, grammar=grammar, shapes=self.shapes):
            text += step.text
            logprobs.append(step.logprob)
            if step.text:
                yield Chunk(step.text)
        answer = parse_answer(text)
        return Attempt(answer, validate(answer) if answer else None, logprobs)

    def stream(self, query: str) -> Iterator[Event]:
        """Yield :class:`Chunk`s, maybe a :class:`Retry`, then one :class:`Translation`.

        An invalid answer is retried under a grammar of valid venvy commands; a
        valid one whose values are not the request's own (see
        :mod:`nlcli_wizard.grounding`) is retried under a grammar that only admits
        the request's own spans and numbers. Raises a :class:`UsageError` for an
        empty or over-long query before touching the model, and lets
        :class:`ModelError` through.
        """
        clean = normalize_query(query)
        started = time.perf_counter()
        # A request that chains a shell command, instructs the assistant, or also asks for what venvy cannot
        # do is out of scope as a whole: its venvy part alone would not be what was asked.
        out_of_scope = scope.beyond(clean)
        if out_of_scope is not None:
            yield Translation(query=query, command=None, confidence=0.0, abstained=True, reason=out_of_scope,
                              latency_s=time.perf_counter() - started, model_id=self.model_id, source="scope")
            return
        prompt = self.prompt(clean)
        retried = False
        attempt = yield from self._decode(prompt, None)
        if self.retry and attempt.check is not None and not attempt.check.ok:
            retried = True
            yield Retry(f"The answer was not a valid venvy command ({attempt.check.reason.rstrip('.')}).")
            attempt = yield from self._decode(prompt, venvy_grammar())
        grounding = None
        if attempt.check is not None and attempt.check.ok:
            grounding = ground(clean, attempt.check.parsed, self.catalog)
            if not grounding.ok and self.retry:
                retried = True
                yield Retry(f"The answer changed a value: {grounding.reason}.")
                attempt = yield from self._decode(prompt, grounded_grammar(clean, self.catalog))
                if attempt.check is not None and attempt.check.ok:
                    grounding = ground(clean, attempt.check.parsed, self.catalog)
        unused = 0
        if grounding is not None and grounding.ok:
            attempt, unused, covered = yield from self._cover(clean, prompt, attempt)
            retried = retried or covered
        yield self._decide(query, attempt, grounding, retried, time.perf_counter() - started, unused)

    def _cover(self, query: str, prompt: str, attempt: Attempt) -> Generator[Event, None, tuple[Attempt, int, bool]]:
        """Decode again, requiring a value the answer left out (or without the help page nobody asked
        for), while the model finds the new answer about as likely (:mod:`nlcli_wizard.coverage`). Returns
        the answer kept, how many of the request's values it still leaves out, and whether a retry gave it."""
        covers = 0
        while True:
            assert attempt.check is not None
            parsed = attempt.check.parsed
            found = coverage.leftovers(query, parsed, self.catalog)
            if not self.retry or covers == MAX_COVER_RETRIES:
                break
            if parsed.help and not coverage.asks_for_help(query):
                yield Retry("The answer is a help page, but the request asks for no help.")
                text = coverage.without_help_grammar(query, self.catalog)
            else:
                grammar = next(((x, g) for x in found
                                if (g := coverage.required_grammar(query, x, parsed, self.catalog))), None)
                if grammar is None:
                    break
                leftover, text = grammar
                yield Retry(f"The answer left out {leftover.describe()}.")
            forced = yield from self._decode(prompt, text)
            if (forced.check is None or not forced.check.ok
                    or not ground(query, forced.check.parsed, self.catalog).ok
                    or not coverage.accept(attempt.logprobs, forced.logprobs, self.cover_margin)):
                break
            attempt, covers = forced, covers + 1
        return attempt, len(found), covers > 0

    def _decide(self, query: str, attempt: Attempt, grounding: Grounding | None, retried: bool,
                latency: float, unused: int = 0) -> Translation:
        answer, check = attempt.answer, attempt.check
        parsed_values = check.parsed.values if check is not None and check.ok else {}
        evidence = signals(attempt.logprobs, retried=retried, values=len(parsed_values), abstain=answer is None,
                           unused=unused)
        score = confidence(attempt.logprobs, getattr(self.engine, "calibration", None), evidence)
        common = dict(query=query, latency_s=latency, retried=retried, model_id=self.model_id,
                      logprob=sum(attempt.logprobs), evidence=evidence)
        if answer is None:
            return Translation(command=None, confidence=score, abstained=True, reason=OUT_OF_SCOPE, **common)
        if not check.ok:
            return Translation(
                command=None, confidence=0.0, abstained=True, candidate=answer,
                reason=f"The model could not produce a valid venvy command ({check.reason}); try rephrasing.",
                **common,
            )
        parsed = check.parsed
        canonical = parsed.canonical
        about = dict(candidate=canonical, subcommand=parsed.subcommand, parsed=parsed)
        if grounding is not None and not grounding.ok:
            return Translation(
                command=None, confidence=0.0, abstained=True, **about, **common,
                reason=f"The model's answer '{canonical}' is not faithful to the request: {grounding.reason}. "
                       "Write the value exactly as it should appear in the command.",
            )
        if score < self.threshold:
            return Translation(
                command=None, confidence=score, abstained=True, **about, **common,
                reason=f"Not confident enough ({score:.0%}) to suggest '{canonical}'; try rephrasing the request.",
            )
        # The last word before anything is offered: deleting and forcing commands need a plain request.
        verdict = safety.check(query, parsed, score, threshold=self.threshold, catalog=self.catalog)
        if not verdict.allowed:
            return Translation(command=None, confidence=score, abstained=True, reason=verdict.reason, **about, **common)
        return Translation(
            command=canonical, confidence=score, abstained=False, reason="",
            used_options=tuple(parsed.used_options()), **about, **common,
        )

    def translate(self, query: str) -> Translation:
        for event in self.stream(query):
            if isinstance(event, Translation):
                return event
        raise AssertionError("stream ended without a translation")
