"""``nlcli-wizard``: the engine without the TUI.

    nlcli-wizard translate "show my venvs sorted by size"
    nlcli-wizard translate --tool sqlite-utils "first 10 rows of dogs in pets.db as csv"
    nlcli-wizard translate --json "..."          # one JSON object
    nlcli-wizard translate --command-only "..."  # just the command, for $(...)
    nlcli-wizard translate --batch queries.txt   # one JSON line per query ('-' = stdin)
    nlcli-wizard validate "venvy ls -s size"     # canonical form or the reason it is invalid
    nlcli-wizard eval                            # accuracy report on the tool's test split, with baselines
    nlcli-wizard bench                           # load time, latency, memory
    nlcli-wizard corrections [--forget N]        # your saved corrections, which answer at once
    nlcli-wizard tools                           # the installed tool plugins
    eval "$(nlcli-wizard shell-init bash)"       # ctrl+g: the shell's edit line -> nlcli-tui -> back

Every command takes ``--tool NAME`` (else $NLCLI_TOOL, else "tool" in config.json, else the default tool).
Exit codes: 0 ok, 1 abstained, 2 usage error, 3 model error, 4 the tool's program is not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from nlcli_wizard import paths
from nlcli_wizard.display import json_line, visible
from nlcli_wizard.errors import NlcliError, UsageError

EXIT_ABSTAINED = 1


def _tool(args: argparse.Namespace):
    from nlcli_wizard import tools
    from nlcli_wizard.config import load_config

    return tools.chosen(getattr(args, "tool", None), load_config().tool)


def _adapter(args: argparse.Namespace, tool) -> Path | None:
    if getattr(args, "no_adapter", False):
        return None
    return getattr(args, "adapter", None) or paths.default_adapter(tool.adapter)


def _engine(args: argparse.Namespace, tool):
    from nlcli_wizard.engine import LlamaEngine

    return LlamaEngine(model_path=getattr(args, "model", None), adapter_path=_adapter(args, tool))


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
    line = None
    if t.command and t.parsed is not None:
        from nlcli_wizard.quoting import join

        line = join(t.parsed.tokens(), shell)
    return _print_answer(t.to_json(), line, as_json, command_only)


def _print_answer(answer: dict, line: str | None, as_json: bool, command_only: bool) -> int:
    """Print a translation (its ``to_json`` form; ``line`` its command quoted for the shell); the exit status."""
    command = answer.get("command")
    if as_json:
        print(json_line(answer))
    elif command_only:
        if command:
            print(line or command)
        else:
            print(f"nlcli-wizard: {visible(answer.get('reason') or '')}", file=sys.stderr)
    else:
        from nlcli_wizard.confidence import confidence_word

        confidence = float(answer.get("confidence") or 0.0)
        if command and answer.get("source") == "correction":
            print(command)
            print("your correction (not the model's answer; 'nlcli-wizard corrections' lists them)")
        elif command:
            print(command)
            print(f"confidence {confidence:.0%} ({confidence_word(confidence)})")
            if answer.get("note"):  # why this command and not the model's own (no --force, a working one)
                print(visible(answer["note"]))
        else:
            print(f"No command: {visible(answer.get('reason') or '')}")
    return 0 if command else EXIT_ABSTAINED


def _ask_server(args: argparse.Namespace, query: str) -> int | None:
    """The exit status after printing a warm server's answer, or None to translate in this process (which
    starts a server when none is up). With a server up, this process imports no model, tool or pydantic code
    and the answer costs a socket round trip: the shell binding's one-shot stays near the model's own time."""
    from nlcli_wizard import server

    explicit_model = args.model or args.adapter or args.no_adapter or os.environ.get("NLCLI_ADAPTER") is not None
    choice = server.env_choice()
    if explicit_model or choice is False:
        return None
    notices, answer = [], None
    try:
        client = server.Client()
        if not client.path.exists():
            return None
        for event in client.ask(query, args.tool or os.environ.get("NLCLI_TOOL") or None, paths.home().absolute(),
                                args.threshold, args.shell, wanted=choice is True):
            if event.get("event") == "declined":
                return None
            if event.get("event") == "notice":
                notices.append(str(event.get("text", "")))
            elif event.get("event") == "answer":
                answer = event
    except server.ServerGone:
        return None  # not up, gave way to this version, or died: translated here, with a server started anew
    if not isinstance(answer, dict) or not isinstance(answer.get("translation"), dict):
        return None
    for text in notices:
        _notice(text)
    return _print_answer(answer["translation"], answer.get("line"), args.json, args.command_only)


def _wizard(args: argparse.Namespace):
    """The Wizard the TUI uses too, so the user's corrections answer here as they do there;
    the model loads only when a request needs it."""
    from dataclasses import replace

    from nlcli_wizard.config import load_config
    from nlcli_wizard.service import Wizard

    config = load_config()
    if args.threshold is not None:
        config = replace(config, threshold=args.threshold)
    explicit = getattr(args, "model", None) or getattr(args, "adapter", None) or getattr(args, "no_adapter", False)
    return Wizard(lambda tool: _engine(args, tool), config=config, tool=getattr(args, "tool", None),
                  use_server=not explicit)


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
    answered = _ask_server(args, query)
    if answered is not None:
        return answered
    return _print_translation(_wizard(args).translate(query, on_notice=_notice), args.json, args.command_only,
                              args.shell)


def cmd_corrections(args: argparse.Namespace) -> int:
    from nlcli_wizard.corrections import Corrections

    corrections = Corrections(paths.feedback_path(), _tool(args))
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
        print(f"{number:>3}  {visible(c.query)}\n     -> {visible(c.command or 'NONE (the tool cannot do this)')}")
    return 0


def cmd_shell_init(args: argparse.Namespace) -> int:
    from nlcli_wizard.shell import snippet

    if args.tool:
        _tool(args)  # an unknown tool is a usage error now, not at the first ctrl+g
    print(snippet(args.shell, args.key, tool=args.tool), end="")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from nlcli_wizard import server

    client = server.Client()
    if args.status or args.stop:
        try:
            status = client.status()
        except server.ServerGone:
            print("No server is running.")
            return 1 if args.status else 0
        if args.stop:
            client.stop()
            print(f"Stopped the server (pid {status['pid']}).")
        else:
            print(json_line({k: v for k, v in status.items() if k != "event"}))
        return 0
    from nlcli_wizard.engine import silence_llama_logs

    silence_llama_logs()
    server.serve(idle_s=args.idle)
    return 0


def cmd_tools(args: argparse.Namespace) -> int:
    from nlcli_wizard import tools
    from nlcli_wizard.config import load_config

    try:
        default = tools.chosen(None, load_config().tool).name
    except NlcliError:
        default = ""
    for name in tools.names():
        profile = tools.load(name)
        installed = profile.installed_version()
        state = f"{profile.program} {installed}" if installed else f"not installed ({profile.data.install})"
        print(f"{name:<14} {'default  ' if name == default else '         '}{state} — {profile.data.describe}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from nlcli_wizard.validator import validate

    result = validate(" ".join(args.command), _tool(args).catalog)
    if args.json:
        print(json.dumps({"ok": result.ok, "canonical": result.canonical, "reason": result.reason}))
    else:
        print(result.canonical if result.ok else f"invalid: {visible(result.reason)}")
    return 0 if result.ok else 2


def cmd_eval(args: argparse.Namespace) -> int:
    from nlcli_wizard import evaluation

    tool = _tool(args)
    data = args.data or tool.data_dir / "splits"
    examples = _split(tool, args.split, data, args.file)[: args.limit or None]
    train_path = args.train or data / "train.jsonl"
    train = [row for row in _load_jsonl(train_path) if row.get("candidate") is None] if train_path.exists() else []

    def progress(name, total):
        def show(i):
            end = "\n" if i == total else ""
            print(f"\r{name}: {i}/{total}", end=end, file=sys.stderr, flush=True)
        return show

    also = {name: _split(tool, name, data, None) for name in args.also or ()}
    reports, path = evaluation.evaluate(
        examples, train, args.out, tool.catalog, args.split, adapter=_adapter(args, tool), model=args.model,
        threshold=args.threshold, baselines=not args.no_baselines and bool(train), progress=progress, also=also,
        execute=args.execute,
    )
    for report in reports:
        print(json.dumps(report.summary()))
    print(f"report: {path}", file=sys.stderr)
    return 0


def _split(tool, name: str, data: Path, file: Path | None) -> list[dict]:
    """A split's rows: the tool's own (``<data>/<name>.jsonl``), or one of its evaluation files kept apart from
    the project (``outside_eval`` in its profile, rows ``{q, gold, style}``)."""
    if file is not None:
        return _load_outside(file) if name in tool.data.outside_eval else _load_jsonl(file)
    if name in tool.data.outside_eval:
        return _load_outside(paths.outside_eval_dir() / tool.data.outside_eval[name])
    # A split's judge questions (whether a request asks for a given destructive command) are no translations.
    return [row for row in _load_jsonl(data / f"{name}.jsonl") if row.get("candidate") is None]


def _load_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        raise UsageError(f"{path} does not exist; build the dataset with 'python -m training.dataset --tool NAME'.")
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
    from nlcli_wizard.translator import Translator

    tool = _tool(args)
    if args.queries:
        queries = [q for q in _read_text(str(args.queries)).splitlines() if q.strip()]
    else:
        # The first split that holds requests: a tool whose hand-written requests are split by voice keeps its
        # test split empty and measures on the independent one.
        splits = tool.data_dir / "splits"
        queries = next((rows for name in ("test", "independent", "val")
                        if (splits / f"{name}.jsonl").exists()
                        and (rows := [ex["query"] for ex in _load_jsonl(splits / f"{name}.jsonl")])),
                       [])
    queries = queries[: args.n]
    if not queries:
        raise UsageError(f"No requests to measure: pass --queries FILE (one request per line) and -n above 0, or "
                         f"build {tool.name}'s splits with 'python -m training.dataset --tool {tool.name}'.")
    started = time.perf_counter()
    engine = _engine(args, tool)
    load_s = time.perf_counter() - started
    translator = Translator(engine, tool.catalog, threshold=args.threshold)
    results = [translator.translate(q) for q in queries]
    latencies = sorted(r.latency_s for r in results)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "tool": tool.name,
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
        "targets": {"latency_median_s": 0.2, "load_s": 1.5, "peak_rss_mb": 450},
    }
    other = next((name for name in tools_names() if name != tool.name), None)
    if other is not None and hasattr(engine, "use_adapter"):
        from nlcli_wizard import tools

        second = paths.default_adapter(tools.load(other).adapter)
        if second is not None:
            switched = time.perf_counter()
            engine.use_adapter(second)
            figures["second_adapter_load_s"] = round(time.perf_counter() - switched, 3)
            figures["targets"]["second_adapter_load_s"] = 0.3
    if args.warm:
        import gc

        del translator, engine
        gc.collect()  # one model at a time on the cores
        figures["warm"] = _warm_figures(tool, queries[: min(len(queries), 50)])
    print(json.dumps(figures, indent=2))
    return 0


def tools_names() -> list[str]:
    from nlcli_wizard import tools

    return tools.names()


def _warm_figures(tool, queries: list[str]) -> dict:
    """The same requests through the warm server, and a one-shot ``nlcli-wizard translate`` against it next to
    the tool's own ``--help`` (what a shell binding costs)."""
    import subprocess

    from nlcli_wizard import server
    from nlcli_wizard.runner import tool_executable

    started = time.perf_counter()
    client = server.start()
    if client is None:
        return {"error": "the server did not come up"}
    up_s = time.perf_counter() - started
    remote = server.RemoteTranslator(client, tool.catalog, tool.name, paths.default_adapter(tool.adapter), None)
    walls = []
    for query in queries:
        began = time.perf_counter()
        remote.translate(query)
        walls.append(time.perf_counter() - began)

    # A user's Python keeps the compiled modules (__pycache__) after the first run; a PYTHONDONTWRITEBYTECODE
    # in this environment would make every one-shot compile the package again, which no user pays.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["NLCLI_SERVER"] = "1"

    def wall(argv: list[str]) -> float:
        began = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, check=False)
        return time.perf_counter() - began

    one_shot_argv = [sys.executable, "-m", "nlcli_wizard", "translate", "--tool", tool.name]
    wall(one_shot_argv + [queries[0]])  # the first run after an install writes the bytecode
    one_shot = [wall(one_shot_argv + [q]) for q in queries[:5]]
    help_wall = [wall([tool_executable(tool.catalog), "--help"]) for _ in range(5)]
    # Two batch clients at once against one after the other: the server runs one request at a time, so at once
    # should cost no more than in turn (two in-process models on two cores were 2.8x slower).
    with tempfile.TemporaryDirectory() as folder:
        batch = Path(folder) / "batch.txt"
        batch.write_text("".join(q.replace("\n", " ") + "\n" for q in queries[:30]), encoding="utf-8")
        argv = [sys.executable, "-m", "nlcli_wizard", "translate", "--tool", tool.name, "--batch", str(batch)]
        in_turn = wall(argv) + wall(argv)
        began = time.perf_counter()
        clients = [subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                   for _ in range(2)]
        for client_process in clients:
            client_process.wait()
        at_once = time.perf_counter() - began
    return {"server_up_s": round(up_s, 3), "requests": len(walls),
            "request_median_s": round(statistics.median(walls), 4),
            "one_shot_translate_median_s": round(statistics.median(one_shot), 3),
            "tool_help_median_s": round(statistics.median(help_wall), 3),
            "two_batches_in_turn_s": round(in_turn, 2), "two_batches_at_once_s": round(at_once, 2),
            "at_once_over_in_turn": round(at_once / in_turn, 2),
            "targets": {"one_shot_translate_median_s": 0.3, "at_once_over_in_turn": 1.2}}


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

    def tool_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--tool", help="the tool plugin to use (nlcli-wizard tools lists them; default: $NLCLI_TOOL, "
                                      "config.json's \"tool\", else the default tool)")

    def model_options(p: argparse.ArgumentParser) -> None:
        tool_option(p)
        p.add_argument("--model", type=Path, help="a Gemma 3 GGUF (default: assembled from the model package)")
        p.add_argument("--adapter", type=Path, help="a LoRA GGUF (default: the tool's shipped adapter)")
        p.add_argument("--no-adapter", action="store_true", help="run the base model alone")
        p.add_argument("--threshold", type=_probability, help="abstain below this confidence, 0 to 1 (default: from the adapter)")

    t = sub.add_parser("translate", help="translate a request into a command of the tool")
    t.add_argument("query", nargs="*", help="the request ('-' reads it from stdin)")
    t.add_argument("--batch", metavar="FILE", help="one request per line ('-' = stdin); JSON lines out")
    mode = t.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print a JSON object")
    mode.add_argument("--command-only", action="store_true", help="print only the command (nothing if abstained)")
    t.add_argument("--shell", choices=["posix", "bash", "zsh", "fish"], default="posix",
                   help="with --command-only: quote the command for this shell (default: POSIX, the canonical form)")
    model_options(t)
    t.set_defaults(func=cmd_translate)

    v = sub.add_parser("validate", help="check a command line of the tool and print its canonical form")
    v.add_argument("command", nargs="+")
    v.add_argument("--json", action="store_true")
    tool_option(v)
    v.set_defaults(func=cmd_validate)

    e = sub.add_parser("eval", help="accuracy, destructive requests, harm, calibration and latency on a split")
    e.add_argument("--split", default="test",
                   help="train, val, test, independent (hand-written, sharing no template with the dataset), calib "
                        "(held-out voices the calibration is fitted on), or one of the tool's evaluation files kept "
                        "apart from the project (named in its profile's outside_eval, e.g. outside)")
    e.add_argument("--file", type=Path, help="read the split from this JSONL file instead")
    e.add_argument("--also", action="append", help="also score the adapter alone on this split (repeatable)")
    e.add_argument("--data", type=Path, help="directory with the splits (default: the tool's data/splits)")
    e.add_argument("--limit", type=int, default=0, help="only the first N examples")
    e.add_argument("--train", type=Path, help="the nearest-neighbour baseline's train set (default: <data>/train.jsonl)")
    e.add_argument("--no-baselines", action="store_true")
    e.add_argument("--execute", action="store_true", help="also run each offered command and its gold commands on "
                   "copies of one fixture and compare their effect (tools whose profile has an execution check)")
    e.add_argument("--out", type=Path, default=Path("eval-out"), help="where the report goes")
    model_options(e)
    e.set_defaults(func=cmd_eval)

    b = sub.add_parser("bench", help="print load time, median latency and peak memory")
    b.add_argument("--queries", type=Path, help="one request per line (default: the tool's test split, else its independent one)")
    b.add_argument("-n", type=int, default=200)
    b.add_argument("--warm", action="store_true", help="also measure the warm server: requests through it, and a "
                   "one-shot translate against it next to the tool's own --help")
    model_options(b)
    b.set_defaults(func=cmd_bench)

    c = sub.add_parser("corrections", help="list the corrections you saved (they answer their request at once)")
    c.add_argument("--forget", type=int, metavar="N", help="forget correction number N of the listing")
    c.add_argument("--json", action="store_true", help="one JSON object a line")
    tool_option(c)
    c.set_defaults(func=cmd_corrections)

    s = sub.add_parser("shell-init", help="print a key binding for your shell: eval \"$(nlcli-wizard shell-init bash)\"")
    s.add_argument("shell", choices=["bash", "zsh", "fish"])
    s.add_argument("--key", default="ctrl+g", help="the key that opens nlcli-tui on the edit line (default: ctrl+g)")
    tool_option(s)
    s.set_defaults(func=cmd_shell_init)

    sv = sub.add_parser("serve", help="run the warm background model (clients start it themselves on first use)")
    sv.add_argument("--status", action="store_true", help="say whether one is running, with what")
    sv.add_argument("--stop", action="store_true", help="stop the running one")
    sv.add_argument("--idle", type=float, default=600.0, help="exit after this many seconds without a request")
    sv.set_defaults(func=cmd_serve)

    tl = sub.add_parser("tools", help="list the installed tool plugins")
    tl.set_defaults(func=cmd_tools)
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
