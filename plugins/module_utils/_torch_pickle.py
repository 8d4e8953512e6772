# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""PyTorch `.bin` checkpoints read without torch. PRIVATE to the collection; stdlib only.

`torch.save` (>= 1.6) writes a zip holding `<dir>/data.pkl` (the state dict as a pickle: each tensor is
`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`, each storage a persistent id
`('storage', torch.BFloat16Storage, '<key>', 'cpu', numel)`) and one member `<dir>/data/<key>` of raw little-endian
bytes per storage. The unpickler resolves only the handful of globals a state dict uses; any other global (a
checkpoint that would call `posix.system`) is refused by name before it can run. Tensor bytes are read afterwards,
one tensor at a time and in logical (row-major) order, so memory stays near the largest tensor.
"""

from __future__ import annotations

import collections
import io
import itertools
import pickle
import struct
import zipfile
import zlib

CHUNK = 8 << 20  # bytes per read and per yielded block of a contiguous tensor
MAX_PICKLE = 256 << 20  # data.pkl of a 1T-parameter model is a few MB; more is not a state dict

# torch dtype -> (safetensors dtype, bytes per element)
DTYPES = {
    "float64": ("F64", 8), "float32": ("F32", 4), "float16": ("F16", 2), "bfloat16": ("BF16", 2),
    "int64": ("I64", 8), "int32": ("I32", 4), "int16": ("I16", 2), "int8": ("I8", 1), "uint8": ("U8", 1),
    "bool": ("BOOL", 1), "uint16": ("U16", 2), "uint32": ("U32", 4), "uint64": ("U64", 8),
    "float8_e4m3fn": ("F8_E4M3", 1), "float8_e5m2": ("F8_E5M2", 1),
}
# The legacy typed storage classes `_rebuild_tensor_v2` pickles carry -> torch dtype
STORAGES = {
    "DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16", "BFloat16Storage": "bfloat16",
    "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16", "CharStorage": "int8",
    "ByteStorage": "uint8", "BoolStorage": "bool",
}
_FORMATS = {1: "B", 2: "H", 4: "I", 8: "Q"}  # memoryview formats to move elements of each size
# Legacy (pre-1.6) torch.save: a bare pickle starting with the magic number 0x1950a86a20f9469cfc6c as a LONG1
_LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"


class CheckpointError(ValueError):
    """The file is not a PyTorch state dict this reader may convert; the message names the file and the cause."""


class _Dtype:
    """Stands for a `torch.<dtype>` global (`_rebuild_tensor_v3` passes one)."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class _StorageType:
    """Stands for a `torch.<X>Storage` class in a persistent id; dtype None for UntypedStorage (bytes)."""
    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype


class _Storage:
    __slots__ = ("key", "dtype", "nbytes")

    def __init__(self, key, dtype, nbytes):
        self.key, self.dtype, self.nbytes = key, dtype, nbytes


class Tensor:
    """A tensor of the checkpoint: where its elements are, not the elements. dtype is the torch name."""
    __slots__ = ("name", "dtype", "shape", "stride", "offset", "storage")

    def __init__(self, storage, offset, shape, stride, dtype=None):
        if not isinstance(storage, _Storage):
            raise TypeError("a tensor's storage is a %s, not a storage" % type(storage).__name__)
        dtype = dtype.name if isinstance(dtype, _Dtype) else (dtype or storage.dtype or "uint8")
        shape, stride = _ints(shape, "size"), _ints(stride, "stride")
        if len(shape) != len(stride) or not isinstance(offset, int) or offset < 0:
            raise TypeError("inconsistent size %r, stride %r, offset %r" % (shape, stride, offset))
        self.name, self.dtype, self.shape, self.stride = None, dtype, shape, stride
        self.offset, self.storage = offset, storage
        if self.numel and (self.offset + sum((n - 1) * s for n, s in zip(shape, stride)) + 1) * self.itemsize \
                > storage.nbytes:
            raise TypeError("size %r, stride %r at offset %d reach past the end of storage %s (%d bytes)"
                            % (shape, stride, offset, storage.key, storage.nbytes))

    @property
    def st_dtype(self):
        return DTYPES[self.dtype][0]

    @property
    def itemsize(self):
        return DTYPES[self.dtype][1]

    @property
    def numel(self):
        n = 1
        for size in self.shape:
            n *= size
        return n

    @property
    def nbytes(self):
        return self.numel * self.itemsize

    def view(self):
        """What identifies the elements: two names with the same view are one tensor (tied weights)."""
        return (self.storage.key, self.dtype, self.offset, self.shape, self.stride)


def _ints(value, what):
    if not isinstance(value, (tuple, list)) or not all(isinstance(v, int) and v >= 0 for v in value):
        raise TypeError("a tensor %s must be a tuple of non-negative ints, not %r" % (what, value))
    return tuple(value)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return Tensor(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    return Tensor(storage, storage_offset, size, stride)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    # torch >= 2.1 pickles the dtypes without a legacy storage class (float8, uint16 ...) this way
    if not isinstance(dtype, _Dtype):
        raise TypeError("_rebuild_tensor_v3 got dtype %r" % (dtype,))
    return Tensor(storage, storage_offset, size, stride, dtype)


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    if not isinstance(data, Tensor):
        raise TypeError("a parameter wraps a %s, not a tensor" % type(data).__name__)
    return data


class _Call:
    """A fresh wrapper per lookup, so a pickle's BUILD cannot alter what another load resolves."""
    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)


_FUNCTIONS = {
    "torch._utils._rebuild_tensor": _rebuild_tensor,
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
    "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
}
_STORAGE_TYPES = dict(("torch." + name, dtype) for name, dtype in STORAGES.items())
_STORAGE_TYPES.update({"torch.UntypedStorage": None, "torch.storage.UntypedStorage": None})
ALLOWED_GLOBALS = sorted(["collections.OrderedDict"] + list(_FUNCTIONS) + list(_STORAGE_TYPES)
                         + ["torch." + name for name in DTYPES])


def _resolve(module, name):
    """The stand-in for an allowed global (a new object each time), or None."""
    key = "%s.%s" % (module, name)
    if key == "collections.OrderedDict":
        return collections.OrderedDict  # a C type: a pickle cannot set attributes on it
    if key in _FUNCTIONS:
        return _Call(_FUNCTIONS[key])
    if key in _STORAGE_TYPES:
        return _StorageType(_STORAGE_TYPES[key])
    if module == "torch" and name in DTYPES:
        return _Dtype(name)
    return None


class _Unpickler(pickle.Unpickler):
    """Resolves only ALLOWED_GLOBALS; storages become _Storage records, no bytes are loaded."""

    def __init__(self, data, path):
        pickle.Unpickler.__init__(self, io.BytesIO(data))
        self._path = path
        self.storages = {}

    def find_class(self, module, name):
        found = _resolve(module, name)
        if found is None:
            raise CheckpointError("%s: refused: its pickle asks for the global %s.%s, which a PyTorch state dict "
                                  "never needs (a checkpoint that runs code when loaded); nothing of it was run or "
                                  "converted. Get the weights from a trusted source, preferably as safetensors."
                                  % (self._path, module, name))
        return found

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str) and isinstance(pid[4], int)):
            raise CheckpointError("%s: unknown persistent id %r (not a PyTorch storage)" % (self._path, pid[:3]))
        dtype = pid[1].dtype
        nbytes = pid[4] * (DTYPES[dtype][1] if dtype else 1)  # UntypedStorage counts bytes
        known = self.storages.setdefault(pid[2], _Storage(pid[2], dtype, nbytes))
        if known.dtype != dtype or known.nbytes != nbytes:
            raise CheckpointError("%s: storage %s is declared twice with different types" % (self._path, pid[2]))
        return known


class Checkpoint:
    """One `.bin` file: `tensors` (name -> Tensor, in the file's order) and `chunks(tensor)` for its bytes."""

    def __init__(self, path):
        self.path = path
        self._file = open(path, "rb")
        try:
            self._open()
        except Exception:
            self._file.close()
            raise

    def _open(self):
        head = self._file.read(len(_LEGACY_MAGIC))
        if head.startswith(b"\x80") and head[2:] == _LEGACY_MAGIC[2:]:
            raise CheckpointError("%s is in the legacy (PyTorch < 1.6, non-zip) format, which is not converted; "
                                  "re-save it once with torch >= 1.6 (torch.save(torch.load(f), f))" % self.path)
        if not head.startswith(b"PK"):
            raise CheckpointError("%s is not a PyTorch checkpoint (no zip signature)" % self.path)
        try:
            self._zip = zipfile.ZipFile(self._file)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise CheckpointError("%s is truncated or corrupt (%s): download or copy it again" % (self.path, exc))
        pkls = [n for n in self._zip.namelist() if n.count("/") == 1 and n.endswith("/data.pkl")]
        if len(pkls) != 1:
            raise CheckpointError("%s has %s data.pkl, not one: not a PyTorch checkpoint"
                                  % (self.path, len(pkls) or "no"))
        self.prefix = pkls[0][:-len("data.pkl")]
        members = set(self._zip.namelist())
        if self.prefix + "byteorder" in members and self._read_member(self.prefix + "byteorder").strip() != b"little":
            raise CheckpointError("%s was saved on a big-endian machine; it is not converted" % self.path)
        info = self._zip.getinfo(pkls[0])
        if info.file_size > MAX_PICKLE:
            raise CheckpointError("%s: data.pkl is %d bytes, too large for a state dict" % (self.path, info.file_size))
        unpickler = _Unpickler(self._read_member(pkls[0]), self.path)
        try:
            state = unpickler.load()
        except CheckpointError:
            raise
        except Exception as exc:  # a broken or hostile pickle: any error means "not a state dict"
            raise CheckpointError("%s: data.pkl is not a readable PyTorch state dict: %s: %s"
                                  % (self.path, type(exc).__name__, exc))
        if not isinstance(state, dict):
            raise CheckpointError("%s holds a %s, not a state dict" % (self.path, type(state).__name__))
        self.tensors = collections.OrderedDict()
        for name, tensor in state.items():
            if not isinstance(name, str) or not isinstance(tensor, Tensor):
                raise CheckpointError("%s: entry %r is a %s, not a tensor; only flat state dicts (name -> tensor) "
                                      "are converted" % (self.path, name, type(tensor).__name__))
            tensor.name = name
            self.tensors[name] = tensor
        self._infos = {}
        for key, storage in unpickler.storages.items():
            member = "%sdata/%s" % (self.prefix, key)
            if member not in members:
                raise CheckpointError("%s: storage %s has no member %s (truncated or corrupt file)"
                                      % (self.path, key, member))
            info = self._zip.getinfo(member)
            if info.file_size < storage.nbytes:
                raise CheckpointError("%s: member %s holds %d bytes, its storage needs %d"
                                      % (self.path, member, info.file_size, storage.nbytes))
            self._infos[key] = info

    def close(self):
        self._zip.close()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read_member(self, name):
        try:
            return self._zip.read(name)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise CheckpointError("%s: cannot read %s (%s): the file is corrupt" % (self.path, name, exc))

    def _data_start(self, info):
        """Offset of a stored member's bytes in the file (read directly, so any offset is one seek)."""
        self._file.seek(info.header_offset)
        local = self._file.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise CheckpointError("%s: bad local header for %s: the file is corrupt" % (self.path, info.filename))
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        return info.header_offset + 30 + name_len + extra_len

    def _ranges(self, info, start, length):
        """The bytes [start, start+length) of a member, in blocks of at most CHUNK; CRC-checked when complete."""
        whole = start == 0 and length == info.file_size
        crc = 0
        if info.compress_type == zipfile.ZIP_STORED:
            self._file.seek(self._data_start(info) + start)
            read = self._file.read
        else:  # torch stores members uncompressed; a re-zipped checkpoint still reads, sequentially
            read = self._zip.open(info).read
            while start:
                skipped = len(read(min(start, CHUNK)))
                if not skipped:
                    break  # the length check below reports the short member
                start -= skipped
        left = length
        while left:
            block = read(min(left, CHUNK))
            if not block:
                raise CheckpointError("%s: %s ends early: the file is truncated" % (self.path, info.filename))
            if whole:
                crc = zlib.crc32(block, crc)
            left -= len(block)
            yield block
        if whole and crc != info.CRC:
            raise CheckpointError("%s: CRC mismatch in %s: the file is corrupt" % (self.path, info.filename))

    def chunks(self, tensor):
        """The tensor's bytes in logical row-major order, as blocks (bytes or memoryview)."""
        if not tensor.numel:
            return
        info, size = self._infos[tensor.storage.key], tensor.itemsize
        dims = [(n, s) for n, s in zip(tensor.shape, tensor.stride) if n != 1]  # size-1 dims have no stride
        contiguous, expect = True, 1
        for n, s in reversed(dims):
            contiguous, expect = contiguous and s == expect, expect * n
        if contiguous:
            yield from self._ranges(info, tensor.offset * size, tensor.nbytes)
            return
        span = sum((n - 1) * s for n, s in dims) + 1
        source = b"".join(self._ranges(info, tensor.offset * size, span * size))
        out = _gather(memoryview(source).cast(_FORMATS[size]), dims, tensor.numel, size)
        del source
        for start in range(0, len(out), CHUNK):
            yield out[start:start + CHUNK]

    def read(self, tensor):
        return b"".join(bytes(b) for b in self.chunks(tensor))


def _gather(src, dims, numel, itemsize):
    """Copy a strided view (dims: (size, stride) in elements from src[0]) into row-major order.

    One strided slice assignment per index of all dims but the longest, so the Python loop runs numel / longest
    times whatever the layout (a transposed matrix costs min(rows, cols) iterations)."""
    out = bytearray(numel * itemsize)
    dst = memoryview(out).cast(_FORMATS[itemsize])
    sizes = [dim[0] for dim in dims]
    out_strides, step = [], 1
    for n in reversed(sizes):
        out_strides.insert(0, step)
        step *= n
    axis = sizes.index(max(sizes))
    n, s_in, s_out = dims[axis][0], dims[axis][1], out_strides[axis]
    others = [i for i in range(len(dims)) if i != axis]
    for index in itertools.product(*(range(sizes[i]) for i in others)):
        base_in = sum(k * dims[i][1] for k, i in zip(index, others))
        base_out = sum(k * out_strides[i] for k, i in zip(index, others))
        target = dst[base_out:base_out + (n - 1) * s_out + 1:s_out]
        if s_in:
            target[:] = src[base_in:base_in + (n - 1) * s_in + 1:s_in]
        else:  # an expanded (stride 0) dim repeats one element
            target[:] = memoryview(src[base_in:base_in + 1].tobytes() * n).cast(_FORMATS[itemsize])
    return memoryview(out)
