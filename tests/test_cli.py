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
    ],
    ids=["empty", "100kB", "binary-stdin", "latin1-stdin", "binary-batch", "missing-batch", "no-query"],
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
    assert lines[0] == "venvy ls --sort size" and lines[1].startswith("confidence ")
    only = run_cli("translate", "--command-only", "show my venvs sorted by size")
    assert only.stdout.decode() == "venvy ls --sort size\n"
    as_json = json.loads(run_cli("translate", "--json", "show my venvs sorted by size").stdout)
    assert as_json["command"] == "venvy ls --sort size" and 0 < as_json["confidence"] <= 1
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
