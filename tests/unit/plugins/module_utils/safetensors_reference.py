"""What the real safetensors library (its Rust serializer, as `safetensors.torch.save_file` calls it) writes and
reads, for byte-for-byte comparisons. Tests only: the collection itself never needs the package."""

import ctypes

import pytest

safetensors = pytest.importorskip("safetensors")


def serialize(tensors, metadata=None):
    """{name: (torch dtype name, shape, bytes)} -> the bytes save_file writes for such tensors."""
    keep, specs = [], {}
    for name, (dtype, shape, data) in tensors.items():
        if hasattr(safetensors, "TensorSpec"):  # safetensors >= 0.7 takes raw pointers
            buf = ctypes.create_string_buffer(bytes(data), max(len(data), 1))
            keep.append(buf)
            specs[name] = safetensors.TensorSpec(dtype=dtype, shape=list(shape), data_ptr=ctypes.addressof(buf),
                                                 data_len=len(data))
        else:
            specs[name] = {"dtype": dtype, "shape": list(shape), "data": bytes(data)}
    return bytes(safetensors.serialize(specs, metadata=metadata))


def deserialize(data):
    """{name: (safetensors dtype, shape, bytes)} as the library reads a file."""
    return dict((name, (t["dtype"], tuple(t["shape"]), bytes(t["data"]))) for name, t in safetensors.deserialize(data))
