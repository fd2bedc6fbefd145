"""Commands quoted for the shell that reads them: bash, zsh and fish hand venvy exactly the argv shown.

The hostile values are ones a request can carry into a valid command: backslashes (fish reads ``\\\\``
and ``\\'`` inside single quotes), an embedded ``(command)`` (fish's substitution), ``%self`` (fish's
pid), a leading ``=`` (zsh's program path), globs, braces, quotes, ``~`` forms, leading dashes. Every
form is run by the real shell with ``venvy`` recording its argv; a marker file catches a command that
runs. Then a sample goes the whole way through the key binding in tmux: ctrl+g, the stand-in TUI
prints the line as ctrl+o would, enter runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nlcli_wizard.quoting import argv_as_run, detect_shell, join, quote_word
from nlcli_wizard.validator import quote
from tests.test_shell_init import need, start_shell
from tests.tooling import VENVY, parse

SHELLS = ["bash", "zsh", "fish"]


def hostile_values(marker: Path) -> list[str]:
    touch = f"(touch {marker})"
    return [
        f"{touch}\\", touch, f"x{touch}", f"({touch})", "a\\", "\\", "\\\\", "\\\\server\\share", "C:\\Users\\ana\\envs\\",
        "C:\\", "D:\\py envs\\", "%self", "%self/x", "%1", "a%self", "%", "=ls", "=", "==x", "=(ls)", "a'b", "'", "''",
        "a\\'b", "\\'", "'\\", "*", "?", "[ab]", "x*y", "{a,b}", "{}", "{x}", "#x", "x#y", "!x", "!!", "^x", "a^b",
        "~", "~/x y", "~root", "~root/x", "~/", "~/a'b\\", "~/(x)", "~x~", "x~/y", "a b", "a  b", "-rf", "--help", "-",
        "--", "-x y", '"q"', 'a"b', '"', "é", "ünï cödé", "ｆｕｌｌ", "①②③", "ﬁle", "x=y", "--name=x", "@x", "+x", ":x",
        "a,b", "[", "]", "{", "}", "(", ")", "\\(", "(\\)", "%(x)", "a\\ b", "x\\\\", "\\n", "\\t", "\\x1b", "'\\''",
        "\\\\'", "((x))", "%self%self", "=~", "?x?", "**", "[!a]", "{a..z}", "x;", "ok",
    ]


def forms(marker: Path) -> list[list[str]]:
    """Valid venvy argvs, each with hostile values where an argument or option takes free text."""
    out = []
    for value in hostile_values(marker):
        for line in (["venvy", "remove", value], ["venvy", "register", "./env", "--name", value],
                     ["venvy", "list", "--path", value]):
            canonical = " ".join(quote(word) for word in line)
            try:
                parsed = parse(canonical)
            except Exception:  # noqa: BLE001 - a value the validator refuses (';') is no command to quote
                continue
            out.append(parsed.tokens())
    return out


def recorder_script(shell: str, log: Path, lines: list[str]) -> str:
    """A script that defines ``venvy`` to append its argv (NUL-separated, one record a line) to ``log``."""
    if shell == "fish":
        head = f"function venvy\n    printf '%s\\0' $argv >> {log}\n    printf '\\n' >> {log}\nend\n"
    else:
        head = f"venvy() {{ printf '%s\\0' \"$@\" >> {log}; printf '\\n' >> {log}; }}\n"
    return head + "".join(line + "\n" for line in lines)


def records(log: Path) -> list[list[str]]:
    return [line.split("\0")[:-1] for line in log.read_text(encoding="utf-8").split("\n")[:-1]]


@pytest.mark.parametrize("shell", SHELLS)
def test_every_hostile_form_reaches_venvy_as_the_argv_shown(shell, tmp_path):
    program = need(shell)
    marker = tmp_path / "ran"
    home = tmp_path / "home"
    home.mkdir()
    argvs = forms(marker)
    assert len(argvs) >= 250
    log = tmp_path / "argv.log"
    log.write_text("")
    script = tmp_path / f"lines.{shell}"
    script.write_text(recorder_script(shell, log, [join(argv, shell) for argv in argvs]), encoding="utf-8")
    env = {**os.environ, "HOME": str(home), "LC_ALL": "C.UTF-8"}
    done = subprocess.run([program, str(script)], capture_output=True, env=env, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    got = records(log)
    assert len(got) == len(argvs), done.stderr.decode()
    wrong = [(join(argv, shell), seen) for argv, seen in zip(argvs, got, strict=True)
             if seen != argv_as_run(argv, str(home))[1:]]
    assert not wrong, f"{len(wrong)} of {len(argvs)} reach venvy changed in {shell}: {wrong[:5]}"
    assert not marker.exists(), "an embedded command ran"


def test_posix_quoting_is_the_canonical_form():
    parsed = parse("venvy list --path '(x)\\'")
    assert join(parsed.tokens(), "bash") == parsed.canonical == "venvy list --path '(x)\\'"


@pytest.mark.parametrize(("word", "shell", "quoted"), [
    ("a\\", "fish", "'a\\\\'"), ("%self", "fish", "'%self'"), ("%self", "bash", "%self"), ("=ls", "zsh", "'=ls'"),
    ("=ls", "bash", "=ls"), ("~/x y", "fish", "~/'x y'"), ("~root", "zsh", "'~root'"), ("", "fish", "''"),
])
def test_quote_word(word, shell, quoted):
    assert quote_word(word, shell) == quoted


def test_the_shell_comes_from_SHELL():
    assert detect_shell({"SHELL": "/usr/bin/fish"}) == "fish"
    assert detect_shell({"SHELL": "/bin/dash"}) == "posix"
    assert detect_shell({}) == "posix"


# -- the whole way: key binding, stand-in TUI, edit line, enter ----------------------------------

STAND_IN = """\
import json, sys
sys.path.insert(0, {root!r})
from nlcli_wizard.quoting import join
args = sys.argv[1:]
shell = args[args.index("--shell") + 1]
argv = json.load(open({pick!r}))
print(join(argv, shell))
"""


@pytest.mark.parametrize("shell", SHELLS)
def test_the_edit_line_runs_as_shown_through_the_key_binding(shell, tmp_path, monkeypatch):
    from tests.conftest import ROOT

    need("tmux")
    marker = tmp_path / "ran"
    pick = tmp_path / "pick.json"
    script = tmp_path / "tui.py"
    script.write_text(STAND_IN.format(root=str(ROOT), pick=str(pick)))
    launcher = tmp_path / "tui"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} {script} \"$@\"\n")
    launcher.chmod(0o755)
    log = tmp_path / "argv.log"
    log.write_text("")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    venvy = bin_dir / "venvy"  # an external program, as the real venvy is
    venvy.write_text(f"#!{sys.executable}\nimport json, sys\nopen({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n")
    venvy.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    session = start_shell(shell, tmp_path, str(launcher))
    sample = [argv for argv in forms(marker) if argv[1] != "register"][::9][:24]
    try:
        for number, argv in enumerate(sample, 1):
            pick.write_text(json.dumps(argv))
            session.type("go")
            session.press("C-g")
            session.wait_for(lambda: session.prompt_line() not in ("", "go"), "the command on the edit line")
            session.press("Enter")
            session.wait_for(lambda n=number: len(log.read_text().splitlines()) == n,
                             f"venvy to run form {number}: {join(argv, shell)}", timeout=20)
            seen = json.loads(log.read_text().splitlines()[-1])
            assert seen == argv_as_run(argv, os.environ["HOME"])[1:], join(argv, shell)
        time.sleep(0.2)
        assert not marker.exists(), "an embedded command ran"
    finally:
        session.close()


@pytest.mark.parametrize("shell", SHELLS)
def test_running_without_a_shell_passes_the_argv_the_shell_would(shell, tmp_path, monkeypatch):
    """ctrl+r runs an argv list: a bare ~ in any value (a path or a name) is expanded exactly where the shell
    that reads the copied line would expand it, and ~user or a quoted ~ stays literal in both."""
    from nlcli_wizard.runner import argv_for

    program = need(shell)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    command = "venvy register ~/env --name ~/x --project '~root/p'"
    log = tmp_path / "argv.log"
    log.write_text("")
    script = tmp_path / "line"
    script.write_text(recorder_script(shell, log, [join(parse(command).tokens(), shell)]))
    subprocess.run([program, str(script)], check=True, env={**os.environ, "HOME": str(home)}, timeout=60)
    assert argv_for(command, VENVY)[1:] == records(log)[0] == [
        "register", f"{home}/env", "--project", "~root/p", "--name", f"{home}/x"]
