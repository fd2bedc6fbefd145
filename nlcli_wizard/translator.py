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
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from nlcli_wizard.catalog import load_catalog
from nlcli_wizard.confidence import confidence
from nlcli_wizard.engine import Engine
from nlcli_wizard.grammar import venvy_grammar
from nlcli_wizard.prompt import build_prompt, normalize_query, parse_answer
from nlcli_wizard.validator import validate

DEFAULT_THRESHOLD = 0.5
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

    def to_json(self) -> dict:
        data = asdict(self)
        data["used_options"] = list(self.used_options)
        data["confidence"] = round(self.confidence, 4)
        data["latency_s"] = round(self.latency_s, 4)
        data["logprob"] = round(self.logprob, 4)
        return data


Event = Chunk | Retry | Translation


class Translator:
    def __init__(
        self,
        engine: Engine,
        threshold: float | None = None,
        prompt: Callable[[str], str] = build_prompt,
        retry: bool = True,
    ) -> None:
        self.engine = engine
        self.prompt = prompt
        self.retry = retry
        self.catalog = load_catalog()
        calibration = getattr(engine, "calibration", None) or {}
        self.threshold = threshold if threshold is not None else calibration.get("threshold", DEFAULT_THRESHOLD)

    @property
    def model_id(self) -> str:
        return self.engine.model_id

    def _attempt(self, prompt: str, grammar: str | None) -> Iterator[Chunk | tuple[str, list[float]]]:
        text, logprobs = "", []
        for step in self.engine.generate(prompt, grammar=grammar):
            text += step.text
            logprobs.append(step.logprob)
            if step.text:
                yield Chunk(step.text)
        yield text, logprobs

    def stream(self, query: str) -> Iterator[Event]:
        """Yield :class:`Chunk`s, maybe a :class:`Retry`, then one :class:`Translation`.

        Raises a :class:`UsageError` for an empty or over-long query before
        touching the model, and lets :class:`ModelError` through.
        """
        clean = normalize_query(query)
        started = time.perf_counter()
        prompt = self.prompt(clean)
        retried = False
        for grammar in (None, venvy_grammar()) if self.retry else (None,):
            for item in self._attempt(prompt, grammar):
                if isinstance(item, Chunk):
                    yield item
                else:
                    text, logprobs = item
            answer = parse_answer(text)
            score = confidence(logprobs, getattr(self.engine, "calibration", None))
            check = validate(answer) if answer else None
            if answer is None or check.ok:
                break
            if grammar is None and self.retry:
                retried = True
                yield Retry(check.reason)
        latency = time.perf_counter() - started
        common = dict(query=query, latency_s=latency, retried=retried, model_id=self.model_id, logprob=sum(logprobs))
        if answer is None:
            yield Translation(command=None, confidence=score, abstained=True, reason=OUT_OF_SCOPE, **common)
            return
        if not check.ok:
            yield Translation(
                command=None, confidence=0.0, abstained=True, candidate=answer,
                reason=f"The model could not produce a valid venvy command ({check.reason}); try rephrasing.",
                **common,
            )
            return
        parsed = check.parsed
        canonical = parsed.canonical
        if score < self.threshold:
            yield Translation(
                command=None, confidence=score, abstained=True, candidate=canonical, subcommand=parsed.subcommand,
                reason=f"Not confident enough ({score:.0%}) to suggest '{canonical}'; try rephrasing the request.",
                **common,
            )
            return
        yield Translation(
            command=canonical, confidence=score, abstained=False, reason="", candidate=canonical,
            subcommand=parsed.subcommand, used_options=tuple(parsed.used_options()), **common,
        )

    def translate(self, query: str) -> Translation:
        for event in self.stream(query):
            if isinstance(event, Translation):
                return event
        raise AssertionError("stream ended without a translation")
