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
