"""Regressions for the second bad-input campaign (issue 21): each failed before its fix.

Found elsewhere: fish/zsh quoting and ctrl+r's argv (test_shell_quoting), corrections answering other
requests (test_corrections), the fast key pair, the clipboard and the output panel (test_tui), values
folded or cut (test_prompt, test_validator, test_grounding), the order-dependent scores (test_real_model).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading

import pytest

from nlcli_wizard import feedback
from nlcli_wizard.config import load_config
from nlcli_wizard.engine import ScriptedEngine
from nlcli_wizard.feedback import FeedbackRecord
from nlcli_wizard.service import Wizard
from tests.conftest import ROOT, run_cli
from tests.tooling import VENVY

DEEP = "[" * 100_000 + "]" * 100_000


def correction(path, query: str, command: str) -> None:
    feedback.append(FeedbackRecord(query=query, predicted="venvy ls", confidence=0.9, verdict="wrong",
                                   model_id="m", corrected=command), path)


def test_a_deeply_nested_line_in_the_feedback_file_is_skipped_not_fatal(nlcli_home):
    path = nlcli_home / "feedback.jsonl"
    correction(path, "list my venvs please", "venvy list")
    with path.open("a") as handle:
        handle.write(DEEP + "\n" + '{"v": 1, "x": ' + "[" * 5000 + "]" * 5000 + "}\n")
    correction(path, "show sizes please", "venvy size")
    records, skipped = feedback.read(path)
    assert len(records) == 2 and skipped["too_long"] + skipped["malformed_json"] == 2
    out = run_cli("translate", "--json", "show sizes please", "--model", str(nlcli_home / "absent.gguf"))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["command"] == "venvy size"
    listing = run_cli("corrections")
    assert listing.returncode == 0 and "venvy list" in listing.stdout.decode()
    from training.merge_feedback import merge

    _, report = merge([], path, VENVY)
    assert report["skipped_by_reason"]


def test_a_deeply_nested_or_bom_prefixed_config_is_reported_or_read(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"keys": ' + "[" * 50_000 + "]" * 50_000 + "}")
    config = load_config(deep)
    assert config.problems and "nested deeper" in config.problems[0]
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + b'{"threshold": 0.7}')
    assert load_config(bom).threshold == 0.7 and not load_config(bom).problems


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_a_feedback_path_that_is_no_file_is_refused_in_a_sentence_not_waited_on(nlcli_home, kind):
    path = nlcli_home / "feedback.jsonl"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    engine = ScriptedEngine({"": (" venvy ls", 0.99)})
    wizard = Wizard(lambda tool: engine)
    done = []
    worker = threading.Thread(target=lambda: done.append(wizard.translate("list my venvs")), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert done and done[0].command == "venvy ls"  # answered, without reading the path
    with pytest.raises(Exception, match="not a feedback file|Cannot write feedback"):
        wizard.flag(done[0], "venvy list")
    assert wizard.history() == []


def test_oversized_stdin_is_refused_before_it_is_read_whole(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", "import sys\nchunk = b'x' * 65536\n"
                               "try:\n    [sys.stdout.buffer.write(chunk) for _ in range(4000)]\nexcept BrokenPipeError:\n"
                               "    pass"], stdout=subprocess.PIPE)
    out = subprocess.run([sys.executable, "-m", "nlcli_wizard", "translate", "-"], stdin=writer.stdout,
                         capture_output=True, cwd=ROOT, timeout=60)
    writer.stdout.close()  # the writer's 250 MB go nowhere now: it stops on a broken pipe
    writer.wait(timeout=60)
    assert out.returncode == 2 and "over 64 KiB" in out.stderr.decode() and out.stderr.decode().count("\n") == 1


def test_a_batch_streams_and_a_line_too_long_or_binary_gets_its_own_row(nlcli_home):
    path = nlcli_home / "feedback.jsonl"
    correction(path, "list my venvs please", "venvy list")
    text = b"list my venvs please\n" + b"y" * 200_000 + b"\n" + b"\xff\xfe bad\n" + b"list my venvs please\n"
    out = run_cli("translate", "--batch", "-", "--model", str(nlcli_home / "absent.gguf"), stdin=text)
    rows = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [r["command"] for r in rows] == ["venvy list", None, None, "venvy list"]
    assert "over 64 KiB" in rows[1]["reason"] and "not UTF-8" in rows[2]["reason"]


@pytest.mark.parametrize("args", [["translate", "--batch", "-"], ["validate", "venvy", "ls"]])
def test_a_closed_pipe_is_no_traceback(nlcli_home, args):
    path = nlcli_home / "feedback.jsonl"
    for i in range(400):
        correction(path, f"request number {i}", "venvy ls")
    stdin = "".join(f"request number {i}\n" for i in range(400)) if args[1] == "--batch" else ""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = " ".join(f"'{a}'" for a in [sys.executable, "-m", "nlcli_wizard", *args, "--model",
                                         str(nlcli_home / "absent.gguf")] if a)
    if args[0] == "validate":
        command = f"'{sys.executable}' -m nlcli_wizard validate venvy ls"
    done = subprocess.run(["bash", "-c", f"{command} | head -c 10 >/dev/null"], input=stdin.encode(), env=env,
                          capture_output=True, cwd=ROOT, timeout=120)
    assert b"Traceback" not in done.stderr and b"BrokenPipeError" not in done.stderr, done.stderr[-500:]


def test_escape_sequences_in_saved_requests_are_shown_not_sent(nlcli_home):
    correction(nlcli_home / "feedback.jsonl", "list my venvs \x1b]0;pwned\x07\x1b[2J now", "venvy list")
    out = run_cli("corrections")
    assert b"\x1b" not in out.stdout and b"\x07" not in out.stdout
    assert "␛]0;pwned␇␛[2J" in out.stdout.decode()
    as_json = run_cli("corrections", "--json")
    assert b"\x1b" not in as_json.stdout and json.loads(as_json.stdout)["query"].startswith("list my venvs \x1b")


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_files_of_requests_are_private_whatever_the_umask(tmp_path, umask, monkeypatch):
    home = tmp_path / "fresh-home"
    monkeypatch.setenv("NLCLI_HOME", str(home))
    old = os.umask(umask)
    try:
        engine = ScriptedEngine({"": (" venvy ls", 0.99)})
        wizard = Wizard(lambda tool: engine, feedback_path=home / "feedback.jsonl")
        wizard.remember("list my venvs")
        wizard.flag(wizard.translate("list my venvs"), "venvy list")
        wizard.translate("list my venvs")  # writes the corrections index
    finally:
        os.umask(old)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("feedback.jsonl", "history/venvy.txt", "cache/corrections-venvy.json"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE((home / "cache").stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "history").stat().st_mode) == 0o700


def test_an_older_world_readable_feedback_file_is_made_private(nlcli_home):
    path = nlcli_home / "feedback.jsonl"
    path.write_text("")
    path.chmod(0o644)
    correction(path, "list my venvs", "venvy list")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_data_dir_whose_name_is_not_utf8_gets_advice_that_helps(tmp_path):
    home = os.fsdecode(os.fsencode(str(tmp_path)) + b"/h\xff")
    os.makedirs(home)
    out = run_cli("translate", "list my venvs", env={"NLCLI_HOME": home})
    assert out.returncode == 3
    err = out.stderr.decode()
    assert "not valid UTF-8" in err and "NLCLI_HOME" in err and "\\xff" in err and err.count("\n") == 1


@pytest.mark.parametrize("query", ["remove main\x00 now", "delete 'main\x00x' env", "\x0eremove prod\x0f",
                                   "delete main\x1b[0m", "remove 'a\"b\\\\c' env", "remove \U0001F600env \u202e"])
def test_a_grounded_grammar_holds_no_raw_control_character_and_parses(query):
    """A NUL in the request once ended the grammar text where llama.cpp reads it as a C string; a value the
    validator refuses (control or invisible characters) is not offered by the grammar at all."""
    import llama_cpp

    from nlcli_wizard.grounding import grounded_grammar

    grammar = grounded_grammar(query, VENVY)
    assert not any(c != "\n" and not c.isprintable() for c in grammar)
    assert "\x00" not in grammar and "\\x00" not in grammar
    llama_cpp.LlamaGrammar.from_string(grammar, verbose=False)


def test_undecodable_bytes_in_a_request_get_a_sentence_not_a_traceback(nlcli_home):
    result = subprocess.run([sys.executable, "-m", "nlcli_wizard", "translate", b"remove \xff env"],
                            capture_output=True, env={**os.environ, "NLCLI_HOME": str(nlcli_home)})
    assert result.returncode == 2
    assert b"not UTF-8 text" in result.stderr and b"Traceback" not in result.stderr
