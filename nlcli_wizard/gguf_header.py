"""A fast reader of a GGUF file's header: metadata and tensor table only.

gguf-py's ``GGUFReader`` builds a numpy view of every tensor and takes ~8 s
on the 253 MB base model; the header is all validation needs (~10 ms).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

# GGUF value type ids -> struct format (arrays and strings handled apart).
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_MAX_COUNT = 1 << 24  # guards against a corrupt length asking for terabytes


class HeaderError(ValueError):
    pass


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # ggml order: [in, out] for a weight matrix
    type: int
    offset: int  # absolute offset in the file
    n_bytes: int


@dataclass(frozen=True)
class Header:
    fields: dict[str, Any]
    tensors: dict[str, TensorInfo]

    @property
    def data_end(self) -> int:
        return max((t.offset + t.n_bytes for t in self.tensors.values()), default=0)


def _read(handle: BinaryIO, fmt: str) -> Any:
    size = struct.calcsize(fmt)
    raw = handle.read(size)
    if len(raw) != size:
        raise HeaderError("file ends inside its header")
    return struct.unpack(fmt, raw)[0]


def _string(handle: BinaryIO) -> str:
    length = _read(handle, "<Q")
    if length > _MAX_COUNT:
        raise HeaderError("implausible string length")
    raw = handle.read(length)
    if len(raw) != length:
        raise HeaderError("file ends inside its header")
    return raw.decode("utf-8", errors="replace")


def _value(handle: BinaryIO, vtype: int) -> Any:
    if vtype in _SCALARS:
        return _read(handle, _SCALARS[vtype])
    if vtype == _STRING:
        return _string(handle)
    if vtype == _ARRAY:
        item_type, count = _read(handle, "<I"), _read(handle, "<Q")
        if count > _MAX_COUNT:
            raise HeaderError("implausible array length")
        if item_type in _SCALARS:
            # Large arrays (the tokenizer's vocabulary scores) are skipped, not decoded.
            handle.seek(struct.calcsize(_SCALARS[item_type]) * count, 1)
            return None
        return [_value(handle, item_type) for _ in range(count)]
    raise HeaderError(f"unknown value type {vtype}")


def read_header(path: Path) -> Header:
    with open(path, "rb") as handle:
        if handle.read(4) != b"GGUF":
            raise HeaderError("not a GGUF file")
        version = _read(handle, "<I")
        if version not in (2, 3):
            raise HeaderError(f"unsupported GGUF version {version}")
        n_tensors, n_fields = _read(handle, "<Q"), _read(handle, "<Q")
        if n_tensors > _MAX_COUNT or n_fields > _MAX_COUNT:
            raise HeaderError("implausible header counts")
        fields = {}
        for _ in range(n_fields):
            key = _string(handle)
            fields[key] = _value(handle, _read(handle, "<I"))
        raw_tensors = []
        for _ in range(n_tensors):
            name = _string(handle)
            n_dims = _read(handle, "<I")
            if n_dims > 4:
                raise HeaderError("tensor with more than 4 dimensions")
            shape = tuple(_read(handle, "<Q") for _ in range(n_dims))
            raw_tensors.append((name, shape, _read(handle, "<I"), _read(handle, "<Q")))
        alignment = int(fields.get("general.alignment") or 32)
        start = -(-handle.tell() // alignment) * alignment
    tensors = {}
    for name, shape, ttype, offset in raw_tensors:
        try:
            block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(ttype)]
        except ValueError:
            raise HeaderError(f"tensor {name} has unknown type {ttype}") from None
        count = 1
        for dim in shape:
            count *= dim
        tensors[name] = TensorInfo(name, shape, ttype, start + offset, count // block * type_size)
    return Header(fields, tensors)


# llama.cpp sizes its per-layer arrays for at most this many blocks and aborts
# (GGML_ASSERT) on a header that asks for more.
MAX_BLOCKS = 512


def _dimension(fields: dict[str, Any], key: str, default: int | None = None) -> int:
    value = fields.get(key, default)
    # bool is an int subclass, and a GGUF bool is never a dimension.
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise HeaderError(f"{key} is {value!r}, not a positive whole number")
    return value


def _expected_shapes(fields: dict[str, Any], arch: str) -> dict[str, tuple[int, ...]]:
    """The shape (ggml order, [in, out]) each standard tensor must have, from the header's own dimensions."""
    n_embd = _dimension(fields, f"{arch}.embedding_length")
    n_ff = _dimension(fields, f"{arch}.feed_forward_length")
    n_head = _dimension(fields, f"{arch}.attention.head_count")
    n_head_kv = _dimension(fields, f"{arch}.attention.head_count_kv", n_head)
    # llama.cpp's default head size is n_embd / n_head when the header omits it.
    key_len = _dimension(fields, f"{arch}.attention.key_length", n_embd // n_head or None)
    value_len = _dimension(fields, f"{arch}.attention.value_length", key_len)
    return {
        "output_norm": (n_embd,),
        "attn_norm": (n_embd,),
        "ffn_norm": (n_embd,),
        "post_attention_norm": (n_embd,),
        "post_ffw_norm": (n_embd,),
        "attn_q_norm": (key_len,),
        "attn_k_norm": (key_len,),
        "attn_q": (n_embd, n_head * key_len),
        "attn_k": (n_embd, n_head_kv * key_len),
        "attn_v": (n_embd, n_head_kv * value_len),
        "attn_output": (n_head * value_len, n_embd),
        "ffn_gate": (n_embd, n_ff),
        "ffn_up": (n_embd, n_ff),
        "ffn_down": (n_ff, n_embd),
    }


def check_consistency(header: Header) -> None:
    """Raise :class:`HeaderError` where a model's header contradicts its tensor table.

    llama.cpp trusts the header: a block count of 0 or over :data:`MAX_BLOCKS`
    aborts the process (SIGABRT), a context length or sliding window of 0
    crashes it (SIGSEGV). Every figure is read from the file itself, so any
    size of model passes as long as it agrees with itself.
    """
    arch = header.fields.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise HeaderError("the header names no general.architecture")
    n_blocks = _dimension(header.fields, f"{arch}.block_count")
    if n_blocks > MAX_BLOCKS:
        raise HeaderError(f"{arch}.block_count is {n_blocks}, more than the {MAX_BLOCKS} llama.cpp supports")
    _dimension(header.fields, f"{arch}.context_length")
    if f"{arch}.attention.sliding_window" in header.fields:
        _dimension(header.fields, f"{arch}.attention.sliding_window")
    expected = _expected_shapes(header.fields, arch)
    blocks = set()
    for name, tensor in header.tensors.items():
        parts = name.split(".")
        if parts[0] == "blk":
            if len(parts) < 3 or not parts[1].isdigit():
                raise HeaderError(f"tensor '{name}' has no block number")
            blocks.add(int(parts[1]))
            kind = parts[2]
        else:
            kind = parts[0]
        if kind in expected and parts[-1] == "weight" and tensor.shape != expected[kind]:
            raise HeaderError(
                f"tensor '{name}' has shape {list(tensor.shape)} but the header's dimensions make it {list(expected[kind])}"
            )
    if len(blocks) != n_blocks:
        raise HeaderError(f"{arch}.block_count is {n_blocks} but the tensor table holds {len(blocks)} blocks")
    if blocks != set(range(n_blocks)):
        raise HeaderError(f"the tensor table's blocks are not numbered 0 to {n_blocks - 1}")
    embedding = header.tensors.get("token_embd.weight")
    if embedding is None or len(embedding.shape) != 2 or embedding.shape[0] != expected["output_norm"][0]:
        raise HeaderError("token_embd.weight is missing or does not match the header's embedding length")
    vocabulary = header.fields.get("tokenizer.ggml.tokens")
    if isinstance(vocabulary, list) and embedding.shape[1] != len(vocabulary):
        raise HeaderError(f"token_embd.weight has {embedding.shape[1]} rows but the vocabulary {len(vocabulary)} tokens")
