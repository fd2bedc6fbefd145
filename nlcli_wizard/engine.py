"""One inference interface, the llama.cpp implementation, and a scripted fake.

An engine turns a prompt into a stream of ``Step``s: a piece of text and the
natural-log probability the model gave the token it emitted. Everything
above this (confidence, validation, retries) works on that stream alone, so
the TUI's tests can swap in :class:`ScriptedEngine`.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import math
import os
import re
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from nlcli_wizard import paths
from nlcli_wizard.errors import (
    AdapterError,
    GrammarError,
    ModelError,
    ModelFileError,
    ModelPackageMissingError,
    RequestTooManyTokensError,
)
from nlcli_wizard.modelfiles import BASE_MODEL_ID, AdapterInfo, check_adapter, check_model_file, ensure_base_model
from nlcli_wizard.prompt import JUDGE_ANSWERS, build_prompt
from nlcli_wizard.speculation import Drafter, Shape

# How many of the likeliest tokens a grammar is asked about first, and then how many at a time.
GRAMMAR_SHORTLIST = 256
GRAMMAR_SLICE = 8192
# How many guessed tokens a decoding step checks besides its own: 1 token costs ~24 ms, 1 + 3 ~37 ms.
DRAFT_TOKENS = 3


@dataclass(frozen=True)
class Step:
    text: str
    logprob: float


class Engine(Protocol):
    model_id: str
    calibration: dict | None

    def generate(self, prompt: str, *, grammar: str | None = None, max_tokens: int = 64,
                 shapes: tuple[Shape, ...] = ()) -> Iterator[Step]: ...


_LOG_CALLBACK = None


_M_MMAP_THRESHOLD = -3


def _return_large_blocks_to_the_os() -> None:
    """Pin glibc's mmap threshold at 128 KiB.

    Each token allocates and frees vocabulary-sized (1-3 MB) buffers, and a
    grammar sampler ~50 MB of token pieces per call. glibc's default raises
    its mmap threshold after such frees, so later ones land on the heap and
    stay resident: peak memory grew from ~360 MB to ~460 MB over 200
    requests. With a fixed threshold they are unmapped when freed.
    """
    try:
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
    except (OSError, AttributeError):
        pass  # not glibc: its allocator has its own policy


def silence_llama_logs() -> None:
    """Route llama.cpp's logging to a no-op: ``verbose=False`` alone still
    writes warnings to stderr, which corrupts a TUI's screen."""
    global _LOG_CALLBACK
    import llama_cpp

    if _LOG_CALLBACK is None:
        # Keep a module-level reference: if ctypes' callback is collected,
        # llama.cpp calls freed memory on its next log line.
        _LOG_CALLBACK = llama_cpp.llama_log_callback(lambda level, text, user_data: None)
        llama_cpp.llama_log_set(_LOG_CALLBACK, ctypes.c_void_p(0))


def _cpu_has_amx() -> bool:
    try:
        return " amx_tile" in Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False


@contextlib.contextmanager
def _no_extra_buffer_types(llama_cpp) -> Iterator[None]:
    """Load weights into plain CPU buffers, not llama.cpp's "extra" ones (AMX, repacked).

    On CPUs that advertise Intel AMX, llama.cpp 0.3.36 moves the weights into an
    AMX buffer and its AMX matmul segfaults at the first decode in virtual
    machines that do not give the guest the tile state (seen on the 2-core CI
    machines, even after arch_prctl granted the permission). ``Llama()`` takes no
    such option, so its default model parameters are wrapped while it loads.
    """
    module = llama_cpp.llama_cpp
    original = module.llama_model_default_params

    def params():
        value = original()
        value.use_extra_bufts = False
        return value

    module.llama_model_default_params = params
    try:
        yield
    finally:
        module.llama_model_default_params = original


def _not_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a file name's undecodable bytes, kept by Python as surrogates
        return True
    return False


class _LogProbRecorder:
    """Keeps the log-normalizer of each step's raw scores, so the emitted
    token's log-probability costs one lookup.

    It allocates nothing per token: a fresh 1 MB array a token makes glibc
    keep freed blocks around, and resident memory grew ~100 MB per 50 requests.
    """

    def __init__(self, source: str = "") -> None:
        self.source = source  # the files in use, for the error message
        self.scores: np.ndarray | None = None
        self.lse = 0.0
        self._work: np.ndarray | None = None

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        if self._work is None or self._work.shape != scores.shape:
            self._work = np.empty_like(scores)
        # Non-finite scores are reported by logprob() as a model error; numpy's
        # own warning would only add a stray line to stderr.
        with np.errstate(invalid="ignore", over="ignore"):
            peak = float(scores.max())
            np.subtract(scores, peak, out=self._work)
            np.exp(self._work, out=self._work)
            self.lse = peak + float(np.log(self._work.sum()))
        # The token is sampled from these scores and read back before the next
        # decode overwrites them, so a reference is enough.
        self.scores = scores
        return scores

    def logprob(self, token: int) -> float:
        """The emitted token's log-probability; a model error when it is not finite.

        NaN or infinite weights (a corrupt adapter, a bad merge) make every
        score NaN: the confidence would be NaN, which no threshold rejects and
        strict JSON parsers refuse.
        """
        assert self.scores is not None
        value = float(self.scores[token]) - self.lse
        if not math.isfinite(value):
            raise ModelError(
                f"The model gave a non-finite score ({value}) to the token it wrote; its weights or the "
                f"adapter are corrupt ({self.source}), so replace or re-export them."
            )
        return value


class _GrammarGate:
    """Greedy decoding under a GBNF grammar that asks the grammar only about the likeliest tokens.

    llama.cpp's grammar sampler decodes every entry of Gemma's 262k-token vocabulary at every step:
    ~3x the time of the token itself and ~45 MB allocated at once, the peak of the process. A greedy
    decoder needs only the likeliest token the grammar allows: the likeliest overall is tried alone,
    then the best ``GRAMMAR_SHORTLIST``, then the rest in order of score a slice at a time, so the
    token chosen is always the one llama.cpp's own sampler would choose. Every other token's score is
    set to -inf; the chosen one keeps its raw score, which the log-probability is read from.
    """

    _DTYPE = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)

    def __init__(self, llama_cpp, vocab, text: str) -> None:
        self._llama_cpp = llama_cpp
        self.stuck = False
        # llama.cpp returns NULL for a grammar that does not parse (LlamaGrammar.from_string would
        # segfault at the first token instead).
        self._sampler = llama_cpp.llama_sampler_init_grammar(vocab, text.encode(), b"root")
        if not self._sampler:
            raise GrammarError("The GBNF grammar does not parse; it was not used.")

    def _allowed(self, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` the grammar admits next."""
        cells = np.zeros(len(ids), dtype=self._DTYPE)
        cells["id"] = ids
        llama_cpp = self._llama_cpp
        array = llama_cpp.llama_token_data_array(
            data=cells.ctypes.data_as(llama_cpp.llama_token_data_p), size=len(ids), selected=-1, sorted=False)
        llama_cpp.llama_sampler_apply(self._sampler, ctypes.byref(array))
        return np.isfinite(cells["logit"])

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        best = int(scores.argmax())
        if self._allowed(np.array([best]))[0]:
            return scores
        shortlist = np.argpartition(scores, -GRAMMAR_SHORTLIST)[-GRAMMAR_SHORTLIST:]
        fits = shortlist[self._allowed(shortlist)]
        if not fits.size:
            # The rest in order, a slice at a time: the first slice with a fit holds the best one, and
            # the grammar never decodes the whole vocabulary at once (~45 MB).
            ranked = np.argsort(-scores, kind="stable")
            for begin in range(0, len(ranked), GRAMMAR_SLICE):
                part = ranked[begin: begin + GRAMMAR_SLICE]
                fits = part[self._allowed(part)]
                if fits.size:
                    break
        if not fits.size:
            # An exception would not cross the C callback; the decode loop raises it before accepting.
            self.stuck = True
            return scores
        chosen = int(fits[np.argmax(scores[fits])])
        kept = float(scores[chosen])
        scores[:] = -np.inf
        scores[chosen] = kept
        return scores

    def accept(self, token: int) -> None:
        self._llama_cpp.llama_sampler_accept(self._sampler, token)

    def close(self) -> None:
        if self._sampler:
            self._llama_cpp.llama_sampler_free(self._sampler)
            self._sampler = None


class LlamaEngine:
    """Gemma 3 270M (+ optional LoRA) on the CPU through llama-cpp-python."""

    def __init__(
        self,
        model_path: Path | None = None,
        adapter_path: Path | None = None,
        n_threads: int | None = None,
        n_ctx: int = 512,
        draft_tokens: int = DRAFT_TOKENS,
    ) -> None:
        try:
            import llama_cpp
        except ImportError:
            raise ModelPackageMissingError("llama-cpp-python") from None
        self._llama_cpp = llama_cpp
        silence_llama_logs()
        _return_large_blocks_to_the_os()
        started = time.perf_counter()
        base = Path(model_path) if model_path else ensure_base_model()
        for where in (base, adapter_path if isinstance(adapter_path, Path) else None):
            if where is not None and _not_utf8(str(where)):
                shown = os.fsencode(where).decode("utf-8", "backslashreplace")
                raise ModelFileError(f"The path {shown} is not valid UTF-8, which llama.cpp needs to open it; set "
                                     f"{paths.ENV_HOME} to a folder whose name is UTF-8 (or move the file).")
        check_model_file(base)
        self._base = base
        plain_buffers = _no_extra_buffer_types(llama_cpp) if _cpu_has_amx() else contextlib.nullcontext()
        try:
            with plain_buffers:
                self.llm = llama_cpp.Llama(
                    model_path=str(base),
                    n_ctx=n_ctx,
                    n_threads=n_threads or min(4, os.cpu_count() or 1),
                    verbose=False,
                )
        except ValueError as exc:
            raise ModelFileError(f"llama.cpp could not load {base} ({exc}); delete it and it will be rebuilt.") from None
        # The decoding loop is ours (llama-cpp-python's evaluates one token per step): one batch, the tokens
        # whose keys and values the context holds, and the scores of the row being read.
        self._ctx = self.llm._ctx.ctx
        self._memory = llama_cpp.llama_get_memory(self._ctx)
        self._cached: list[int] = []
        self._prompt: list[int] = []  # the last prompt decoded, whose whole cache a retry may reuse
        # LoRA adapters by path, loaded once each: a second tool's adapter is switched to in milliseconds on the
        # same base (the model is not loaded twice).
        self._adapters: dict[Path, tuple[object, AdapterInfo]] = {}
        self._recorder: _LogProbRecorder | None = None  # set by use_adapter: nothing is decoded before it
        self.adapter: AdapterInfo | None = None
        self.adapter_path: Path | None = None
        self.use_adapter(Path(adapter_path) if adapter_path else None)
        self.load_seconds = time.perf_counter() - started
        self._eos = self.llm.token_eos()
        self._n_vocab = self.llm.n_vocab()
        self._batch = llama_cpp.llama_batch_init(n_ctx, 0, 1)
        weakref.finalize(self, llama_cpp.llama_batch_free, self._batch)
        self._scores = np.empty(self._n_vocab, dtype=np.single)
        self._drafters: dict[tuple[Shape, ...], Drafter] = {}
        self.draft_tokens = draft_tokens
        self._start_tokens = self._common_start(build_prompt("a"), build_prompt("z"))
        self._yes_no = self._answer_ids()
        # Decoding steps and answer tokens so far, for the benchmark's tokens-per-step figure.
        self.steps = self.answer_tokens = 0

    def use_adapter(self, adapter: Path | None) -> None:
        """Decode with this LoRA adapter from now on (None: the base model alone), without reloading the base.

        The file is checked before llama.cpp sees it (a malformed adapter it accepts crashes the next decode),
        and what the context cached under the previous adapter is dropped."""
        if self._recorder is not None and adapter == self.adapter_path:
            return
        llama_cpp = self._llama_cpp
        if adapter is None:
            llama_cpp.llama_set_adapters_lora(self._ctx, None, 0, None)
            info = None
        else:
            if _not_utf8(str(adapter)):
                shown = os.fsencode(adapter).decode("utf-8", "backslashreplace")
                raise ModelFileError(f"The path {shown} is not valid UTF-8, which llama.cpp needs to open it; "
                                     "move the adapter.")
            if adapter not in self._adapters:
                info = check_adapter(adapter, self._base)
                handle = llama_cpp.llama_adapter_lora_init(self.llm.model, str(adapter).encode("utf-8"))
                if not handle:
                    raise AdapterError(f"llama.cpp refused the adapter {adapter}; re-export it for this base model.")
                self._adapters[adapter] = (handle, info)
            handle, info = self._adapters[adapter]
            adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(handle)
            scales = (ctypes.c_float * 1)(1.0)
            if llama_cpp.llama_set_adapters_lora(self._ctx, adapters, 1, scales) != 0:
                raise AdapterError(f"llama.cpp could not apply the adapter {adapter}.")
        self.adapter, self.adapter_path = info, adapter
        self.model_id = info.model_id if info else BASE_MODEL_ID
        self.calibration: dict | None = info.meta.get("calibration") if info else None
        self._recorder = _LogProbRecorder(f"model {self._base}" + (f", adapter {adapter}" if adapter else ""))
        llama_cpp.llama_memory_clear(self._memory, True)
        self._cached, self._prompt = [], []

    def tokenize(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)

    def _common_start(self, a: str, b: str) -> list[int]:
        """The leading tokens two prompts share: the prompt format's fixed start."""
        first, second = self.tokenize(a), self.tokenize(b)
        n = 0
        while n < min(len(first), len(second)) and first[n] == second[n]:
            n += 1
        return first[:n]

    def _drafter(self, shapes: tuple[Shape, ...]) -> Drafter:
        drafter = self._drafters.get(shapes)
        if drafter is None:
            def tokenize(text: str) -> list[int]:
                return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

            drafter = self._drafters[shapes] = Drafter(shapes, tokenize, self._eos)
        return drafter

    def _forget_after(self, keep: int) -> None:
        """Drop the cached keys and values of every token after the first ``keep``."""
        if keep < len(self._cached):
            if not self._llama_cpp.llama_memory_seq_rm(self._memory, 0, keep, -1):
                self._llama_cpp.llama_memory_clear(self._memory, True)
                keep = 0
            del self._cached[keep:]

    def _evaluate(self, tokens: list[int], scored: int) -> list[np.ndarray]:
        """Run ``tokens`` after the cached ones; the scores that follow each of the last ``scored``."""
        llama_cpp, batch, start = self._llama_cpp, self._batch, len(self._cached)
        batch.n_tokens = len(tokens)
        for i, token in enumerate(tokens):
            batch.token[i], batch.pos[i], batch.n_seq_id[i] = token, start + i, 1
            batch.seq_id[i][0] = 0
            batch.logits[i] = i >= len(tokens) - scored
        status = llama_cpp.llama_decode(self._ctx, batch)
        if status != 0:
            self._forget_after(start)
            raise ModelError(f"llama.cpp could not evaluate the request (status {status}); try a shorter one.")
        self._cached += tokens
        n_vocab = self._n_vocab
        return [np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self._ctx, i), shape=(n_vocab,))
                for i in range(len(tokens) - scored, len(tokens))]

    def _answer_ids(self) -> tuple[int, int]:
        yes, no = (self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)[0] for text in JUDGE_ANSWERS)
        return yes, no

    def judge(self, prompt: str) -> float:
        """P(" yes") against P(" no") as the next token of a judge prompt (:func:`prompt.judge_prompt`): the
        adapter's reading of whether the request asks for the command. It follows the translation of the same
        request, whose prompt and answer are still cached: only the question's few tokens are evaluated."""
        tokens = self.tokenize(prompt)
        if len(tokens) + 1 > self.llm.n_ctx():
            raise RequestTooManyTokensError(len(tokens), self.llm.n_ctx() - 1)
        limit = min(len(self._cached), len(tokens) - 1)
        if tokens[: len(self._prompt)] != self._prompt:
            limit = min(limit, len(self._start_tokens))
        keep = 0
        while keep < limit and self._cached[keep] == tokens[keep]:
            keep += 1
        self._forget_after(keep)
        start = min(len(self._start_tokens), len(tokens) - 1)
        if keep < start and tokens[:start] == self._start_tokens[:start]:
            self._evaluate(tokens[keep:start], 0)
            keep = start
        row = self._evaluate(tokens[keep:], 1)[-1]
        yes, no = self._yes_no
        a, b = float(row[yes]), float(row[no])
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ModelError(f"The model gave non-finite scores to its judgement; {self._recorder.source} is corrupt.")
        return 1.0 / (1.0 + math.exp(max(-700.0, min(700.0, b - a))))

    def generate(self, prompt: str, *, grammar: str | None = None, max_tokens: int = 64,
                 shapes: tuple[Shape, ...] = ()) -> Iterator[Step]:
        """Greedy decoding that checks guesses at the next tokens (:mod:`nlcli_wizard.speculation`) in the
        same batch as the token before them and keeps those its own choice confirms: the answer is the one
        token-by-token decoding writes, in ~60 % of the steps. ``shapes`` are what answers look like."""
        tokens = self.tokenize(prompt)
        # The prompt around the request is fixed and short, so an overflow is the request's doing.
        if len(tokens) + max_tokens > self.llm.n_ctx():
            raise RequestTooManyTokensError(len(tokens), self.llm.n_ctx() - max_tokens)
        if self.llm.n_tokens:  # llama-cpp-python's own generate() used the cache: it is not ours to reuse
            self.llm.reset()
            self._llama_cpp.llama_memory_clear(self._memory, True)
            self._cached = []
        drafter = self._drafter(shapes)
        recorder = self._recorder
        gate = _GrammarGate(self._llama_cpp, self.llm._model.vocab, grammar) if grammar else None
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # A retry's whole prompt is already cached (the last prompt token is evaluated again for the scores of
        # the answer's first token). A new request reuses only the fixed start every prompt shares: reusing
        # what it happens to share with the request before ("list my venvs" after "list my envs") would
        # evaluate it in other batches, whose sums differ in the last bits, and the same request would score
        # differently depending on what came before it in a batch.
        limit = min(len(self._cached), len(tokens) - 1)
        if tokens != self._prompt:
            limit = min(limit, len(self._start_tokens))
        keep = 0
        while keep < limit and self._cached[keep] == tokens[keep]:
            keep += 1
        self._prompt = tokens
        self._forget_after(keep)
        start = min(len(self._start_tokens), len(tokens) - 1)
        if keep < start and tokens[:start] == self._start_tokens[:start]:
            # The fixed start goes into the cache on its own, so every request is evaluated from the same
            # position in the same batch, the first one of a process included.
            self._evaluate(tokens[keep:start], 0)
            keep = start
        pending, answer = tokens[keep:], []
        try:
            while True:
                guess = drafter.guess(answer, tokens, max(0, min(self.draft_tokens, max_tokens - len(answer) - 1)))
                rows = self._evaluate(pending + guess, len(guess) + 1)
                self.steps += 1
                for i, row in enumerate(rows):
                    scores = self._scores
                    np.copyto(scores, row)
                    recorder(scores)
                    if gate is not None:
                        gate(scores)
                    token = int(scores.argmax())
                    logprob = recorder.logprob(token)
                    if token == self._eos:
                        yield Step("", logprob)
                        return
                    if gate is not None:
                        if gate.stuck:
                            raise GrammarError("No token fits the grammar here: it admits no complete answer.")
                        gate.accept(token)
                    answer.append(token)
                    self.answer_tokens += 1
                    text = decoder.decode(self.llm.detokenize([token]))
                    if "\n" in text:
                        yield Step(text.split("\n")[0], logprob)
                        return
                    yield Step(text, logprob)
                    if len(answer) >= max_tokens:
                        return
                    if i == len(guess) or guess[i] != token:
                        # The guesses after this row were wrong: their cached values go.
                        self._forget_after(len(self._cached) - len(guess) + i)
                        break
                pending = [token]
        finally:
            if gate is not None:
                gate.close()


@dataclass
class ScriptedEngine:
    """A fake engine that answers from a script, for UI tests.

    ``answers`` maps a prompt substring (usually the query) to the text to
    stream and the per-token probability; ``delay`` slows each token so a
    test can watch streaming or cancel mid-way.
    """

    answers: dict[str, tuple[str, float]] = field(default_factory=dict)
    default: tuple[str, float] = (" NONE", 0.9)
    delay: float = 0.0
    model_id: str = "scripted"
    calibration: dict | None = None
    prompts: list[str] = field(default_factory=list)
    error: Exception | None = None
    # P(asked) for judge prompts holding a key (the request or the command); None: this engine cannot judge.
    judgements: dict[str, float] = field(default_factory=dict)
    judgement: float | None = 0.99
    judged: list[str] = field(default_factory=list)

    def judge(self, prompt: str) -> float | None:
        self.judged.append(prompt)
        return next((p for key, p in self.judgements.items() if key in prompt), self.judgement)

    grammars: list[str | None] = field(default_factory=list)

    def generate(self, prompt: str, *, grammar: str | None = None, max_tokens: int = 64,
                 shapes: tuple[Shape, ...] = ()) -> Iterator[Step]:
        self.prompts.append(prompt)
        self.grammars.append(grammar)
        if self.error is not None:
            raise self.error
        text, prob = next((a for key, a in self.answers.items() if key in prompt), self.default)
        literal = re.fullmatch(r'root ::= "((?:[^"\\]|\\.)*)"\n', grammar or "")
        if literal:  # a grammar that admits one answer only (scoring a repaired command): that answer
            text = re.sub(r"\\(.)", r"\1", literal.group(1))
        pieces: Sequence[str] = re.findall(r"\s*\S+", text)  # one "token" per word, leading space kept
        for piece in pieces:
            if self.delay:
                time.sleep(self.delay)
            yield Step(piece, float(np.log(prob)))
        yield Step("", 0.0)
