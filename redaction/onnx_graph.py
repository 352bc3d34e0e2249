"""The detector's ONNX graph made fit to run, edited in protobuf's wire format.

The shipped CenterFace graph has fixed 32x32 shapes and lists every weight as a graph input.
Weights listed as inputs could be overridden at run time, so onnxruntime will not fold or fuse
them; dropping them from the inputs makes inference about twice as fast. The fixed shapes are
replaced by symbolic ones so any input size divisible by 32 runs. The landmarks output (five
points per face) is never read, and its head is a convolution at a quarter of the input's
resolution: it is dropped with the nodes only it needs (the other outputs stay bit for bit the
same; the whole-frame passes ran 2-7% faster in interleaved timing).

Why not the `onnx` package: importing it takes about 0.9 s of one core (most of it in `ml_dtypes`,
which it imports for types this graph never uses), and every redaction command and render worker
paid that before its first frame. These edits need only a few fields of four messages; every other
byte is copied as it is. Fields come out in field-number order, as protobuf writes them, so the
result is byte for byte what `onnx.load(...)`, the same edits and `SerializeToString()` give (a
test compares the two).
"""
from __future__ import annotations

from collections.abc import Iterable

# Field numbers from onnx.proto (onnx-ml.proto), the only ones read or written here.
MODEL_GRAPH = 7
GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_INPUT, GRAPH_OUTPUT, GRAPH_VALUE_INFO = 1, 5, 11, 12, 13
NODE_INPUT, NODE_OUTPUT = 1, 2
TENSOR_NAME = 8
VALUE_NAME, VALUE_TYPE = 1, 2
TYPE_TENSOR = 1
TENSOR_TYPE_SHAPE = 2
SHAPE_DIM = 1
DIM_VALUE, DIM_PARAM = 1, 2

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class ModelFileError(ValueError):
    """The model file is not the protobuf this module expects."""


Field = tuple[int, int, bytes, bytes]  # (number, wire type, payload, the field's raw bytes)


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ModelFileError("truncated or overlong varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def fields(buf: bytes) -> list[Field]:
    """The fields of one serialized message, in the order they appear."""
    out: list[Field] = []
    pos = 0
    while pos < len(buf):
        start = pos
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            _, pos = _varint(buf, pos)
            payload = b""
        elif wire == FIXED64:
            pos += 8
            payload = b""
        elif wire == FIXED32:
            pos += 4
            payload = b""
        elif wire == LENGTH:
            size, pos = _varint(buf, pos)
            payload = buf[pos:pos + size]
            pos += size
        else:
            raise ModelFileError(f"unsupported wire type {wire} in field {number}")
        if pos > len(buf):
            raise ModelFileError(f"field {number} runs past the end of its message")
        out.append((number, wire, payload, buf[start:pos]))
    return out


def message_field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (a sub-message or a string)."""
    return _encode_varint(number << 3 | LENGTH) + _encode_varint(len(payload)) + payload


def _strings(payload: bytes, number: int) -> list[str]:
    try:
        return [p.decode() for n, w, p, _ in fields(payload) if n == number and w == LENGTH]
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"a name in field {number} is not UTF-8") from exc


def _name(payload: bytes, number: int) -> str:
    names = _strings(payload, number)
    return names[0] if names else ""


def _join(parts: Iterable[tuple[int, bytes]]) -> bytes:
    """Fields in field-number order (stable within a number), as protobuf serializes them."""
    return b"".join(raw for _, raw in sorted(parts, key=lambda part: part[0]))


def _replace(payload: bytes, number: int, edit) -> bytes:
    """The message with each field `number` (a sub-message) replaced by `edit(payload)`."""
    return _join(
        (n, message_field(n, edit(p)) if n == number and w == LENGTH else raw)
        for n, w, p, raw in fields(payload)
    )


def _symbolic_shape(value_info: bytes, names: dict[int, str]) -> bytes:
    """A ValueInfoProto whose tensor dimensions at the keys of `names` are symbolic."""

    def shape(payload: bytes) -> bytes:
        parts, index = [], 0
        for n, w, p, raw in fields(payload):
            if n == SHAPE_DIM and w == LENGTH:
                if index in names:
                    rest = [(dn, draw) for dn, dw, _, draw in fields(p) if dn not in (DIM_VALUE, DIM_PARAM)]
                    raw = message_field(n, _join(rest + [(DIM_PARAM, message_field(DIM_PARAM, names[index].encode()))]))
                index += 1
            parts.append((n, raw))
        return _join(parts)

    return _replace(value_info, VALUE_TYPE, lambda t: _replace(t, TYPE_TENSOR, lambda tt: _replace(tt, TENSOR_TYPE_SHAPE, shape)))


def _edit_graph(graph: bytes, input_name: str, outputs: list[str]) -> bytes:
    parts = fields(graph)
    weights = {_name(p, TENSOR_NAME) for n, _, p, _ in parts if n == GRAPH_INITIALIZER}
    nodes = [(p, _strings(p, NODE_INPUT), _strings(p, NODE_OUTPUT)) for n, _, p, _ in parts if n == GRAPH_NODE]
    graph_outputs = {_name(p, VALUE_NAME) for n, _, p, _ in parts if n == GRAPH_OUTPUT}
    if missing := [name for name in outputs if name not in graph_outputs]:
        raise ModelFileError(f"the graph has no output {missing}")
    # Every value the kept outputs depend on, following producers back from them.
    producer = {out: inputs for _, inputs, outs in nodes for out in outs}
    needed: set[str] = set()
    pending = list(outputs)
    while pending:
        value = pending.pop()
        if value not in needed:
            needed.add(value)
            pending.extend(producer.get(value, ()))
    used = {name for _, inputs, outs in nodes if any(o in needed for o in outs) for name in inputs}
    dims = {input_name: {0: "B", 2: "H", 3: "W"}}
    kept = []
    for n, w, p, raw in parts:
        if n == GRAPH_VALUE_INFO:
            continue  # shapes inferred for the fixed 32x32 input; wrong for any other
        if n == GRAPH_NODE and not any(o in needed for o in _strings(p, NODE_OUTPUT)):
            continue
        if n == GRAPH_INITIALIZER and _name(p, TENSOR_NAME) not in used:
            continue
        if n == GRAPH_INPUT:
            name = _name(p, VALUE_NAME)
            if name in weights:
                continue
            raw = message_field(n, _symbolic_shape(p, dims.get(name, {0: "b", 2: "h", 3: "w"})))
        if n == GRAPH_OUTPUT:
            if _name(p, VALUE_NAME) not in outputs:
                continue
            raw = message_field(n, _symbolic_shape(p, {0: "b", 2: "h", 3: "w"}))
        kept.append((n, raw))
    return _join(kept)


def runnable_model(model: bytes, *, input_name: str, outputs: list[str]) -> bytes:
    """The serialized ModelProto `model` with its weights no longer graph inputs, only `outputs`
    (and the nodes and weights they need) kept, and batch, height and width symbolic."""
    parts = fields(model)
    if not any(n == MODEL_GRAPH for n, *_ in parts):
        raise ModelFileError("no graph in the model file")
    return _join(
        (n, message_field(n, _edit_graph(p, input_name, outputs)) if n == MODEL_GRAPH else raw)
        for n, w, p, raw in parts
    )
