import json

import pytest

from tests.conftest import run_cli


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["translate", ""], None, "The request is empty"),
        (["translate", "x" * 100_000], None, "at most 500 are accepted"),
        (["translate", "-"], b"\x00\x01\x02\xff\xfe binary \x00", "is binary, not text"),
        (["translate", "-"], b"\xff\xfe\xfa caf\xe9", "is not UTF-8 text"),
        (["translate", "--batch", "-"], b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is binary, not text"),
        (["translate", "--batch", "/no/such/file"], None, "Cannot read /no/such/file"),
        (["translate"], None, "Give a request to translate"),
        (["bench", "--queries", "-"], b"\n  \n", "No requests to measure"),
        (["bench", "-n", "0"], None, "No requests to measure"),
    ],
    ids=["empty", "100kB", "binary-stdin", "latin1-stdin", "binary-batch", "missing-batch", "no-query",
         "bench-empty-file", "bench-none"],
)
def test_bad_input_is_a_usage_error(args, stdin, message):
    result = run_cli(*args, stdin=stdin)
    assert result.returncode == 2, result.stderr
    err = result.stderr.decode()
    assert message in err
    assert err.count("\n") == 1  # one sentence, one line, no traceback


def test_validate_prints_canonical_form_or_reason():
    ok = run_cli("validate", "venvy ls -s size -f table")
    assert ok.returncode == 0 and ok.stdout.decode().strip() == "venvy ls --sort size"
    bad = run_cli("validate", "venvy ls; rm -rf /")
    assert bad.returncode == 2 and "';'" in bad.stdout.decode()


@pytest.mark.model
def test_translate_modes(model_home):
    plain = run_cli("translate", "show my venvs sorted by size")
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.decode().splitlines()
    # venvy 0.2.0 crashes on `venvy ls --sort size`: the working command is the answer.
    assert lines[0] == "venvy list --sort size" and lines[1].startswith("confidence ")
    only = run_cli("translate", "--command-only", "show my venvs sorted by size")
    assert only.stdout.decode() == "venvy list --sort size\n"
    as_json = json.loads(run_cli("translate", "--json", "show my venvs sorted by size").stdout)
    assert as_json["command"] == "venvy list --sort size" and 0 < as_json["confidence"] <= 1
    # The adapter learnt the working command itself; were it to answer the crashing one, crash.known repairs it.
    assert as_json["rule"] in ("", "crash.known")
    assert plain.stderr == b""  # llama.cpp's logging is silenced


@pytest.mark.model
def test_command_only_prints_nothing_when_abstaining(model_home):
    result = run_cli("translate", "--command-only", "install numpy into my project")
    assert result.returncode == 1
    assert result.stdout == b""
    assert "venvy cannot do this" in result.stderr.decode()


@pytest.mark.model
def test_batch_writes_one_json_line_per_query(model_home, tmp_path):
    queries = "list my venvs\n\nwhich venv is active\n" + "y" * 600 + "\ninstall numpy\n"
    result = run_cli("translate", "--batch", "-", stdin=queries.encode())
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["query"][:20] for r in rows] == ["list my venvs", "which venv is active", "y" * 20, "install numpy"]
    for row in rows:
        assert set(row) >= {"query", "command", "confidence", "abstained", "reason", "latency_s"}
    assert rows[0]["command"] == "venvy ls"
    assert rows[2]["abstained"] and "at most 500" in rows[2]["reason"]
    assert rows[3]["command"] is None and rows[3]["abstained"]


DESERET = "\U00010414\U0001043b\U0001042f" * 44  # 132 letters, 4 bytes each: few characters, many tokens


def test_batch_lines_split_on_newline_only():
    from nlcli_wizard.cli import batch_lines

    odd = ["a\rb", "c\x0bd", "e\x1cf", "g\x85h", "i\u2028j", "k\u2029l", "m\x1en"]
    text = "\n".join(odd) + "\r\n\n   \nlast one\r\n"
    assert batch_lines(text) == [*odd, "last one"]
    assert batch_lines("one\r\ntwo\r\n") == ["one", "two"]  # a CRLF file's \r is not part of the request


class _FailsOn:
    """A scripted engine whose generation fails (as a corrupt adapter does) for one request."""

    model_id = "scripted"
    calibration = None

    def __init__(self, poison: str) -> None:
        from nlcli_wizard.engine import ScriptedEngine

        self.poison = poison
        self.inner = ScriptedEngine(answers={"list": (" venvy ls", 0.99)})

    def generate(self, prompt, **kwargs):
        from nlcli_wizard.errors import ModelError

        if self.poison in prompt:
            raise ModelError("The model gave a non-finite score.")
        return self.inner.generate(prompt, **kwargs)


def test_batch_answers_every_line_even_after_a_model_error(tmp_path, monkeypatch, capsys):
    from nlcli_wizard import cli
    from nlcli_wizard.service import Wizard

    monkeypatch.setattr(cli, "_wizard", lambda args: Wizard(lambda tool: _FailsOn("poison"), feedback_path=tmp_path / "f"))
    batch = tmp_path / "queries.txt"
    batch.write_text("list my venvs\r\npoison pill\r\n" + "y" * 600 + "\r\nlist them\u2028all\r\n", encoding="utf-8")
    status = cli.main(["translate", "--batch", str(batch)])
    rows = [json.loads(line) for line in capsys.readouterr().out.split("\n") if line]
    assert [r["query"][:12] for r in rows] == ["list my venv", "poison pill", "y" * 12, "list them\u2028al"]
    assert rows[0]["command"] == "venvy ls" and rows[3]["command"] == "venvy ls"
    assert rows[1]["error"] == "ModelError" and "non-finite" in rows[1]["reason"]
    assert rows[2]["error"] == "QueryTooLongError"
    assert status == 3  # a model error on any line shows in the exit code, after every line is answered


@pytest.mark.model
def test_a_short_request_that_overflows_the_context_is_a_usage_error(model_home, tmp_path):
    single = run_cli("translate", DESERET)
    assert single.returncode == 2, single.stderr[-400:]
    err = single.stderr.decode()
    assert "tokens" in err and "shorten it" in err and err.count("\n") == 1
    batch = run_cli("translate", "--batch", "-", stdin=f"list my venvs\n{DESERET}\nwhich venv is active\n".encode())
    assert batch.returncode == 0, batch.stderr[-400:]
    rows = [json.loads(line) for line in batch.stdout.decode().splitlines()]
    assert len(rows) == 3 and rows[0]["command"] == "venvy ls"
    assert rows[1]["error"] == "RequestTooManyTokensError" and rows[1]["abstained"]
    assert rows[2]["command"] == "venvy current"
