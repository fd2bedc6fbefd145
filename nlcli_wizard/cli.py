"""``nlcli-wizard``: the engine without the TUI.

    nlcli-wizard translate "show my venvs sorted by size"
    nlcli-wizard translate --json "..."          # one JSON object
    nlcli-wizard translate --command-only "..."  # just the command, for $(...)
    nlcli-wizard translate --batch queries.txt   # one JSON line per query ('-' = stdin)
    nlcli-wizard validate "venvy ls -s size"     # canonical form or the reason it is invalid
    nlcli-wizard eval                            # accuracy report on data/test.jsonl, with baselines
    nlcli-wizard bench                           # load time, latency, memory
    nlcli-wizard corrections [--forget N]        # your saved corrections, which answer at once
    eval "$(nlcli-wizard shell-init bash)"       # ctrl+g: the shell's edit line -> nlcli-tui -> back

Exit codes: 0 ok, 1 abstained, 2 usage error, 3 model error, 4 venvy missing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from nlcli_wizard.display import json_line, visible
from nlcli_wizard.errors import NlcliError, UsageError

EXIT_ABSTAINED = 1


def _engine(args: argparse.Namespace, adapter: str | Path | None = "default"):
    from nlcli_wizard.engine import LlamaEngine

    if getattr(args, "no_adapter", False):
        adapter = None
    elif getattr(args, "adapter", None):
        adapter = args.adapter
    return LlamaEngine(model_path=getattr(args, "model", None), adapter_path=adapter)


# A request is at most 500 characters; a batch line or a request on stdin far longer is no request, and
# reading it whole (300 MB piped in by mistake) would cost gigabytes before saying so.
MAX_INPUT_LINE_BYTES = 64 * 1024
# Past this much of one line the input is no text of requests at all (/dev/zero): reading stops.
MAX_SKIPPED_LINE_BYTES = 1024 * 1024


def _describe(source: str) -> str:
    return "on stdin" if source == "-" else source


def _open_input(source: str):
    if source == "-":
        return sys.stdin.buffer
    try:
        return Path(source).open("rb")
    except OSError as exc:
        raise UsageError(f"Cannot read {source} ({exc.strerror}).") from None


def _read_text(source: str) -> str:
    """A request from a file or stdin ('-'), read no further than a request can be; binary input is a
    usage error, not a crash."""
    handle = _open_input(source)
    try:
        raw = handle.read(MAX_INPUT_LINE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"Cannot read {source} ({exc.strerror}).") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    if len(raw) > MAX_INPUT_LINE_BYTES:
        raise UsageError(f"The input {_describe(source)} is over {MAX_INPUT_LINE_BYTES // 1024} KiB; a request is "
                         "at most 500 characters (use --batch for one request a line).")
    if b"\x00" in raw:
        raise UsageError(f"The input {_describe(source)} is binary, not text; pass one request per line.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"The input {_describe(source)} is not UTF-8 text.") from None


class BadLine(str):
    """A batch line that cannot be a request; the string is the sentence saying why."""


def batch_lines(text: str) -> list[str]:
    """The requests of a batch text: one per ``\n``-terminated line (a CRLF file's ``\r`` dropped), blank
    lines skipped. ``str.splitlines`` would also split on ``\r``, ``\x0b``, ``\x1c``-``\x1e``, ``\x85`` and
    U+2028/U+2029 inside a line and answer the pieces as separate requests."""
    lines = (line.removesuffix("\r") for line in text.split("\n"))
    return [line for line in lines if line.strip()]


def stream_batch(source: str) -> Iterator[str | BadLine]:
    """The requests of a batch file or stdin, one line at a time (memory stays flat however long the
    input): each a ``str``, or a :class:`BadLine` for a line that is too long, binary or not UTF-8.
    Input that starts binary, or a line of over a megabyte, is a usage error."""
    handle = _open_input(source)
    try:
        if b"\x00" in handle.peek(8192)[:8192]:
            raise UsageError(f"The input {_describe(source)} is binary, not text; pass one request per line.")
        while True:
            raw = handle.readline(MAX_INPUT_LINE_BYTES + 1)
            if not raw:
                return
            if len(raw) > MAX_INPUT_LINE_BYTES and not raw.endswith(b"\n"):
                skipped = len(raw)
                while raw and not raw.endswith(b"\n"):
                    raw = handle.readline(MAX_INPUT_LINE_BYTES)
                    skipped += len(raw)
                    if skipped > MAX_SKIPPED_LINE_BYTES:
                        raise UsageError(f"The input {_describe(source)} has a line of over "
                                         f"{MAX_SKIPPED_LINE_BYTES // (1024 * 1024)} MiB; it is no list of requests.")
                yield BadLine(f"The line is over {MAX_INPUT_LINE_BYTES // 1024} KiB; a request is at most "
                              "500 characters.")
                continue
            line = raw.removesuffix(b"\n").removesuffix(b"\r")
            if b"\x00" in line:
                yield BadLine("The line is binary, not text.")
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                yield BadLine("The line is not UTF-8 text.")
                continue
            if text.strip():
                yield text
    except OSError as exc:
        raise UsageError(f"Cannot read {source} ({exc.strerror}).") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _print_translation(t, as_json: bool, command_only: bool, shell: str = "posix") -> int:
    if as_json:
        print(json_line(t.to_json()))
    elif command_only:
        if t.command:
            from nlcli_wizard.quoting import join

            print(join(t.parsed.tokens(), shell) if t.parsed is not None else t.command)
        else:
            print(f"nlcli-wizard: {visible(t.reason)}", file=sys.stderr)
    else:
        from nlcli_wizard.confidence import confidence_word

        if t.command and t.source == "correction":
            print(t.command)
            print("your correction (not the model's answer; 'nlcli-wizard corrections' lists them)")
        elif t.command:
            print(t.command)
            print(f"confidence {t.confidence:.0%} ({confidence_word(t.confidence)})")
        else:
            print(f"No command: {visible(t.reason)}")
    return 0 if t.command else EXIT_ABSTAINED


def _wizard(args: argparse.Namespace):
    """The Wizard the TUI uses too, so the user's corrections answer here as they do there;
    the model loads only when a request needs it."""
    from dataclasses import replace

    from nlcli_wizard.config import load_config
    from nlcli_wizard.service import Wizard

    config = load_config()
    if args.threshold is not None:
        config = replace(config, threshold=args.threshold)
    return Wizard(lambda: _engine(args), config=config)


def _notice(text: str) -> None:
    print(f"nlcli-wizard: {visible(text)}", file=sys.stderr)


def cmd_translate(args: argparse.Namespace) -> int:
    if args.batch is not None:
        wizard = _wizard(args)
        status = 0
        for line in stream_batch(args.batch):
            if isinstance(line, BadLine):
                row = {"query": None, "command": None, "confidence": 0.0, "abstained": True, "reason": str(line),
                       "latency_s": 0.0, "error": "BadLine"}
                print(json_line(row), flush=True)
                continue
            try:
                row = wizard.translate(line, on_notice=_notice).to_json()
            except NlcliError as exc:
                # One bad line (too long, or a model error on it) must not cost the answers to the rest.
                row = {"query": line[:200], "command": None, "confidence": 0.0, "abstained": True,
                       "reason": str(exc), "latency_s": 0.0, "error": type(exc).__name__}
                if not isinstance(exc, UsageError):
                    status = max(status, exc.exit_code)
            print(json_line(row), flush=True)
        return status
    if not args.query:
        raise UsageError("Give a request to translate, e.g. nlcli-wizard translate \"list my venvs\".")
    query = _read_text("-") if args.query == ["-"] else " ".join(args.query)
    from nlcli_wizard.prompt import normalize_query

    normalize_query(query)  # reject empty or huge input before loading the model
    return _print_translation(_wizard(args).translate(query, on_notice=_notice), args.json, args.command_only,
                              args.shell)


def cmd_corrections(args: argparse.Namespace) -> int:
    from nlcli_wizard import paths
    from nlcli_wizard.corrections import Corrections

    corrections = Corrections(paths.feedback_path())
    if args.forget is not None:
        gone = corrections.forget(args.forget)
        print(visible(f"Forgot your correction for '{gone.query}' ({gone.command or 'NONE'})."))
        return 0
    standing = corrections.all()
    if args.json:
        for number, c in enumerate(standing, 1):
            print(json_line({"number": number, "query": c.query, "command": c.command, "timestamp": c.timestamp}))
        return 0
    if not standing:
        print("No corrections yet: flag a wrong answer in nlcli-tui (ctrl+f) to save one.")
    for number, c in enumerate(standing, 1):
        # A request may hold what the shell line held: escape sequences are shown, never sent to the terminal.
        print(f"{number:>3}  {visible(c.query)}\n     -> {visible(c.command or 'NONE (venvy cannot do this)')}")
    return 0


def cmd_shell_init(args: argparse.Namespace) -> int:
    from nlcli_wizard.shell import snippet

    print(snippet(args.shell, args.key), end="")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from nlcli_wizard.validator import validate

    result = validate(" ".join(args.command))
    if args.json:
        print(json.dumps({"ok": result.ok, "canonical": result.canonical, "reason": result.reason}))
    else:
        print(result.canonical if result.ok else f"invalid: {visible(result.reason)}")
    return 0 if result.ok else 2


def cmd_eval(args: argparse.Namespace) -> int:
    from nlcli_wizard import evaluation, paths

    data = args.data or paths.data_dir()
    if args.split == "outside":
        examples = _load_outside(args.file or paths.outside_eval_path())[: args.limit or None]
    else:
        examples = _load_jsonl(args.file or data / f"{args.split}.jsonl")[: args.limit or None]
    train = _load_jsonl(args.train or data / "train.jsonl")

    def progress(name, total):
        def show(i):
            end = "\n" if i == total else ""
            print(f"\r{name}: {i}/{total}", end=end, file=sys.stderr, flush=True)
        return show

    adapter = None if args.no_adapter else (args.adapter or "default")
    also = {name: (_load_outside(paths.outside_eval_path()) if name == "outside" else _load_jsonl(data / f"{name}.jsonl"))
            for name in args.also or ()}
    reports, path = evaluation.evaluate(
        examples, train, args.out, args.split, adapter=adapter, model=args.model, threshold=args.threshold,
        baselines=not args.no_baselines, progress=progress, also=also,
    )
    for report in reports:
        print(json.dumps(report.summary()))
    print(f"report: {path}", file=sys.stderr)
    return 0


def _load_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        raise UsageError(f"{path} does not exist; build the dataset with 'python -m training.dataset'.")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _load_outside(path: Path) -> list[dict]:
    """Rows ``{"q", "gold": [every accepted command], "style"}`` (``gold: []`` = out of scope) as examples."""
    examples = []
    for number, row in enumerate(_load_jsonl(path), 1):
        if not isinstance(row, dict) or not isinstance(row.get("q"), str) or not isinstance(row.get("gold"), list):
            raise UsageError(f"{path}:{number}: expected {{\"q\": str, \"gold\": [commands], \"style\": str}}.")
        examples.append({"query": row["q"], "command": row["gold"][0] if row["gold"] else None,
                         "accepted": row["gold"], "style": str(row.get("style", ""))})
    return examples


def cmd_bench(args: argparse.Namespace) -> int:
    from nlcli_wizard import paths
    from nlcli_wizard.translator import Translator

    if args.queries:
        queries = [q for q in _read_text(str(args.queries)).splitlines() if q.strip()]
    else:
        queries = [ex["query"] for ex in _load_jsonl(paths.data_dir() / "test.jsonl")]
    queries = queries[: args.n]
    started = time.perf_counter()
    engine = _engine(args)
    load_s = time.perf_counter() - started
    translator = Translator(engine, threshold=args.threshold)
    results = [translator.translate(q) for q in queries]
    latencies = sorted(r.latency_s for r in results)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "model": engine.model_id,
        "queries": len(results),
        "load_s": round(load_s, 3),
        "latency_median_s": round(statistics.median(latencies), 4),
        "latency_p95_s": round(latencies[max(0, int(len(latencies) * 0.95) - 1)], 4),
        "grammar_retries": sum(r.retried for r in results),
        # Answer tokens per decoding step: above 1 where guessed tokens were confirmed in one batch.
        "answer_tokens_per_step": round(engine.answer_tokens / max(1, engine.steps), 2),
        "abstained": sum(r.abstained for r in results),
        "peak_rss_mb": round(peak_mb, 1),
        "targets": {"latency_median_s": 0.25, "load_s": 1.5, "peak_rss_mb": 450},
    }
    print(json.dumps(figures, indent=2))
    return 0


def _probability(text: str) -> float:
    """argparse type for --threshold: NaN would switch abstention off, so only [0, 1] passes."""
    from nlcli_wizard.config import finite_probability
    from nlcli_wizard.errors import ConfigError

    try:
        return finite_probability(text, "the threshold")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nlcli-wizard", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def model_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", type=Path, help="a Gemma 3 GGUF (default: assembled from the model package)")
        p.add_argument("--adapter", type=Path, help="a LoRA GGUF (default: the shipped models/venvy-lora.gguf)")
        p.add_argument("--no-adapter", action="store_true", help="run the base model alone")
        p.add_argument("--threshold", type=_probability, help="abstain below this confidence, 0 to 1 (default: from the adapter)")

    t = sub.add_parser("translate", help="translate a request into a venvy command")
    t.add_argument("query", nargs="*", help="the request ('-' reads it from stdin)")
    t.add_argument("--batch", metavar="FILE", help="one request per line ('-' = stdin); JSON lines out")
    mode = t.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print a JSON object")
    mode.add_argument("--command-only", action="store_true", help="print only the command (nothing if abstained)")
    t.add_argument("--shell", choices=["posix", "bash", "zsh", "fish"], default="posix",
                   help="with --command-only: quote the command for this shell (default: POSIX, the canonical form)")
    model_options(t)
    t.set_defaults(func=cmd_translate)

    v = sub.add_parser("validate", help="check a venvy command line and print its canonical form")
    v.add_argument("command", nargs="+")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_validate)

    e = sub.add_parser("eval", help="accuracy, abstention, calibration and latency on a split, with baselines")
    e.add_argument("--split", default="test", choices=["train", "val", "test", "independent", "calib", "outside"],
                   help="independent: hand-written requests that share no template with the dataset; calib: "
                        "held-out voices the calibration is fitted on; outside: requests written apart from the "
                        "project (default file ../shared/eval/outside-dev.jsonl)")
    e.add_argument("--file", type=Path, help="read the split from this JSONL file instead")
    e.add_argument("--also", action="append", choices=["val", "test", "independent", "calib", "outside"],
                   help="also score the adapter alone on this split, in the same report (repeatable)")
    e.add_argument("--data", type=Path, help="directory with the splits (default: data/)")
    e.add_argument("--limit", type=int, default=0, help="only the first N examples")
    e.add_argument("--train", type=Path, help="the nearest-neighbour baseline's train set (default: <data>/train.jsonl)")
    e.add_argument("--no-baselines", action="store_true")
    e.add_argument("--out", type=Path, default=Path("eval-out"), help="where the report goes")
    model_options(e)
    e.set_defaults(func=cmd_eval)

    b = sub.add_parser("bench", help="print load time, median latency and peak memory")
    b.add_argument("--queries", type=Path, help="one request per line (default: the test split)")
    b.add_argument("-n", type=int, default=200)
    model_options(b)
    b.set_defaults(func=cmd_bench)

    c = sub.add_parser("corrections", help="list the corrections you saved (they answer their request at once)")
    c.add_argument("--forget", type=int, metavar="N", help="forget correction number N of the listing")
    c.add_argument("--json", action="store_true", help="one JSON object a line")
    c.set_defaults(func=cmd_corrections)

    s = sub.add_parser("shell-init", help="print a key binding for your shell: eval \"$(nlcli-wizard shell-init bash)\"")
    s.add_argument("shell", choices=["bash", "zsh", "fish"])
    s.add_argument("--key", default="ctrl+g", help="the key that opens nlcli-tui on the edit line (default: ctrl+g)")
    s.set_defaults(func=cmd_shell_init)
    return parser


# What a shell reports for a program its reader stopped listening to (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except NlcliError as exc:
        print(f"nlcli-wizard: {visible(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `... | head -3`: the reader is gone. Nothing more to say to it, and Python must not try again at
        # exit (flushing stdout would raise once more and print a traceback).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def entry() -> None:
    sys.exit(main())
