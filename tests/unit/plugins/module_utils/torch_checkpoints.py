"""PyTorch checkpoints made without torch, for the tests and the benchmark, and an independent reader of them.

`write` pickles a state dict exactly as torch.save does (protocol 2, `torch._utils._rebuild_tensor_v2` /
`_rebuild_tensor_v3` and `torch.<X>Storage` globals, storages as persistent ids, one stored zip member per storage)
through a fake `torch` module that exists only while pickling. `load` reads any such file permissively (it trusts the
file: tests only) and `logical` lays a tensor's elements out in row-major order one element at a time, so the
module's streaming reader is checked against code that shares nothing with it.
"""

import collections
import contextlib
import io
import pickle
import struct
import sys
import types
import zipfile

# torch dtype -> (legacy storage class or None for _rebuild_tensor_v3, bytes per element, safetensors dtype)
DTYPES = {
    "float64": ("DoubleStorage", 8, "F64"), "float32": ("FloatStorage", 4, "F32"),
    "float16": ("HalfStorage", 2, "F16"), "bfloat16": ("BFloat16Storage", 2, "BF16"),
    "int64": ("LongStorage", 8, "I64"), "int32": ("IntStorage", 4, "I32"), "int16": ("ShortStorage", 2, "I16"),
    "int8": ("CharStorage", 1, "I8"), "uint8": ("ByteStorage", 1, "U8"), "bool": ("BoolStorage", 1, "BOOL"),
    "uint16": (None, 2, "U16"), "uint32": (None, 4, "U32"), "uint64": (None, 8, "U64"),
    "float8_e4m3fn": (None, 1, "F8_E4M3"), "float8_e5m2": (None, 1, "F8_E5M2"),
}


class T:
    """A tensor to save: a view (offset, shape, stride in elements) of a storage (key, dtype, raw bytes)."""

    def __init__(self, key, dtype, data, shape, stride=None, offset=0, nbytes=None):
        self.key, self.dtype, self.data, self.shape, self.offset = key, dtype, data, tuple(shape), offset
        self.nbytes = len(data) if nbytes is None else nbytes  # the storage's size
        if stride is None:
            stride, step = [], 1
            for n in reversed(self.shape):
                stride.insert(0, step)
                step *= n
        self.stride = tuple(stride)


@contextlib.contextmanager
def fake_torch():
    saved = dict((k, sys.modules.get(k)) for k in ("torch", "torch._utils"))
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")
    torch._utils = utils
    for name in ("_rebuild_tensor_v2", "_rebuild_tensor_v3"):
        fn = types.FunctionType((lambda *a: None).__code__, {}, name)
        fn.__module__, fn.__qualname__ = "torch._utils", name
        setattr(utils, name, fn)
    for dtype, spec in DTYPES.items():
        storage = spec[0]
        if storage:
            setattr(torch, storage, type(storage, (), {"__module__": "torch"}))
        dtype_cls = type("dtype", (), {"__module__": "torch", "__reduce__": lambda self, n=dtype: n})
        setattr(torch, dtype, dtype_cls())
    torch.UntypedStorage = type("UntypedStorage", (), {"__module__": "torch"})
    sys.modules.update({"torch": torch, "torch._utils": utils})
    try:
        yield torch
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


class _Storage:
    def __init__(self, key, dtype, nbytes):
        self.key, self.dtype, self.nbytes = key, dtype, nbytes


class _Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


class _Pickler(pickle.Pickler):
    def __init__(self, f, torch):
        pickle.Pickler.__init__(self, f, protocol=2)
        self.torch = torch

    def persistent_id(self, obj):
        if not isinstance(obj, _Storage):
            return None
        storage = DTYPES[obj.dtype][0]
        if storage:
            return ("storage", getattr(self.torch, storage), obj.key, "cpu", obj.nbytes // DTYPES[obj.dtype][1])
        return ("storage", self.torch.UntypedStorage, obj.key, "cpu", obj.nbytes)


def pickle_state(tensors, extra=None):
    """data.pkl bytes for {name: T}; `extra` adds entries pickled as they are (for hostile pickles)."""
    with fake_torch() as torch:
        storages, state = {}, collections.OrderedDict()
        for name, t in tensors.items():
            s = storages.setdefault(t.key, _Storage(t.key, t.dtype, t.nbytes))
            if DTYPES[t.dtype][0]:
                args = (s, t.offset, t.shape, t.stride, False, collections.OrderedDict())
                state[name] = _Reduce(torch._utils._rebuild_tensor_v2, args)
            else:
                args = (s, t.offset, t.shape, t.stride, False, collections.OrderedDict(), getattr(torch, t.dtype))
                state[name] = _Reduce(torch._utils._rebuild_tensor_v3, args)
        state.update(extra or {})
        f = io.BytesIO()
        _Pickler(f, torch).dump(state)
        return f.getvalue()


def write(path, tensors, prefix="archive", extra=None, pkl=None, byteorder="little"):
    """A torch.save zip of {name: T} (members stored, as torch writes them)."""
    storages = collections.OrderedDict()
    for t in tensors.values():
        storages.setdefault(t.key, t.data)
    with zipfile.ZipFile(str(path), "w", zipfile.ZIP_STORED) as z:
        z.writestr(prefix + "/data.pkl", pkl if pkl is not None else pickle_state(tensors, extra))
        z.writestr(prefix + "/byteorder", byteorder)
        for key, data in storages.items():
            z.writestr("%s/data/%s" % (prefix, key), data)
        z.writestr(prefix + "/version", "3\n")


def write_streamed(path, tensors, fill, prefix="archive"):
    """Like write, for T made with data=None and nbytes: fill(key, nbytes) yields each storage's bytes in blocks,
    so a large checkpoint never sits in memory (the benchmark)."""
    with zipfile.ZipFile(str(path), "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        z.writestr(prefix + "/data.pkl", pickle_state(tensors))
        z.writestr(prefix + "/byteorder", "little")
        done = set()
        for t in tensors.values():
            if t.key in done:
                continue
            done.add(t.key)
            with z.open("%s/data/%s" % (prefix, t.key), "w", force_zip64=True) as member:
                for block in fill(t.key, t.nbytes):
                    member.write(block)
        z.writestr(prefix + "/version", "3\n")


# ----------------------------------------------------------------------------------------- independent reader

class _Loose(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if name == "_rebuild_tensor_v2":
            return lambda s, off, size, stride, *rest: {"storage": s, "offset": off, "shape": size, "stride": stride,
                                                        "dtype": s[1]}
        if name == "_rebuild_tensor_v3":
            return lambda s, off, size, stride, grad, hooks, dtype, *rest: {
                "storage": s, "offset": off, "shape": size, "stride": stride, "dtype": dtype}
        if module == "torch":
            return name
        raise AssertionError("unexpected global %s.%s" % (module, name))

    def persistent_load(self, pid):
        storage = None  # UntypedStorage: the dtype comes with _rebuild_tensor_v3
        for dtype, spec in DTYPES.items():
            if spec[0] == pid[1]:
                storage = dtype
        return (pid[2], storage)


def load(path):
    """{name: (dtype, shape, row-major bytes)} of a torch zip checkpoint, element by element."""
    out = collections.OrderedDict()
    with zipfile.ZipFile(str(path)) as z:
        pkl = [n for n in z.namelist() if n.endswith("/data.pkl")][0]
        prefix = pkl[:-len("data.pkl")]
        state = _Loose(io.BytesIO(z.read(pkl))).load()
        for name, t in state.items():
            raw = z.read(prefix + "data/" + t["storage"][0])
            out[name] = (t["dtype"], tuple(t["shape"]), logical(raw, t["dtype"], t["offset"], t["shape"], t["stride"]))
    return out


def logical(raw, dtype, offset, shape, stride):
    size = DTYPES[dtype][1]
    count = 1
    for n in shape:
        count *= n
    parts = []
    for flat in range(count):
        index, rest = 0, flat
        for n, s in reversed(list(zip(shape, stride))):
            index += (rest % n) * s
            rest //= n
        start = (offset + index) * size
        parts.append(raw[start:start + size])
    return b"".join(parts)


def values(data, dtype):
    """Elements as Python numbers; bf16 widened to float32 by hand (its 16 bits are float32's top half)."""
    if dtype == "bfloat16":
        return [struct.unpack("<f", b"\0\0" + data[i:i + 2])[0] for i in range(0, len(data), 2)]
    fmt = {"float64": "d", "float32": "f", "float16": "e", "int64": "q", "int32": "i", "int16": "h", "int8": "b",
           "uint8": "B", "bool": "?", "uint16": "H", "uint32": "I", "uint64": "Q"}.get(dtype, "B")
    return list(struct.unpack("<%d%s" % (len(data) // struct.calcsize(fmt), fmt), data))
