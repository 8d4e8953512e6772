# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Model weight directories: checksums, `.bin` -> safetensors without torch, config.json's dtype, and what the
weights are (files, bytes, dtype, parameters). PRIVATE to the collection; stdlib only (targets have no torch).

Rules (ascend-tech-reference.md section 7): MindIE loads only `*.safetensors`; a chip without bf16 (310P, 910A)
needs `torch_dtype: float16` in config.json, and MindIE casts the bf16 weights when it loads them, so the tensors
keep their dtype.

The conversion writes what `save_pretrained(safe_serialization=True)` writes for the checkpoint's state dict:
- every tensor in its own dtype, shape and logical bytes; `{"format": "pt"}` metadata; safetensors' key order;
- shards above the shard size as huggingface_hub splits them (state-dict order: the `.bin` files in name order,
  each in its pickle's order), `model.safetensors.index.json` with `total_parameters`, `total_size`, `weight_map`;
- tied weights once. `lm_head.weight` (any `*.lm_head.weight`) is not written when (a) it shares its storage and
  view with another tensor (the embedding) and config.json does not say `tie_word_embeddings: false`, or (b)
  config.json says `tie_word_embeddings: true` and another tensor of the same dtype and shape (the input embedding)
  is written: loaders then take the output projection from the embedding, and save_pretrained of the loaded model
  writes it once. Other names sharing one view are written as copies (save_pretrained would refuse them).

`.ascendops-weights.json` in the directory (hidden: MindIE skips it) records size, mtime_ns and SHA-256 of the files
it has read or written and what a conversion was made from, so a run over unchanged files reads no weight bytes. It
is a cache: writing it alone does not count as a change.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import posixpath
import re
import tempfile
from json.decoder import scanstring

from ansible_collections.ascendops.llm.plugins.module_utils import _safetensors
from ansible_collections.ascendops.llm.plugins.module_utils._torch_pickle import Checkpoint

RECORD = ".ascendops-weights.json"
BIN_SINGLE, BIN_INDEX = "pytorch_model.bin", "pytorch_model.bin.index.json"
CONFIG = "config.json"
DEFAULT_SHARD_SIZE = "5GB"  # transformers 4.x save_pretrained
CONVERTER = 1  # bump when the same input gives other output, so recorded conversions are redone
CHUNK = 8 << 20
_BIN = re.compile(r"^pytorch_model.*\.bin$")
_SHARD = re.compile(r"^model-\d{5}-of-\d{5}\.safetensors$")
_TIED = re.compile(r"(^|\.)lm_head\.weight$")
_HEX = re.compile(r"^[0-9a-f]{64}$")
_TEMP = re.compile(r"^\.(model[^/]*\.safetensors|model\.safetensors\.index\.json)\.[A-Za-z0-9_]+\.tmp$")
_UNITS = {"": 1, "B": 1, "KB": 10 ** 3, "MB": 10 ** 6, "GB": 10 ** 9, "TB": 10 ** 12,
          "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}


class WeightsError(ValueError):
    """A refusal that names the file and the fix."""


def parse_size(value):
    """Bytes from an int or `5GB` / `500MB` / `2GiB` (decimal units as transformers, binary with `i`)."""
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$", str(value), re.IGNORECASE)
    if isinstance(value, bool) or not m or float(m.group(1)) <= 0:
        raise WeightsError("shard_size %r is not a size such as 5GB, 500MB or 2GiB" % (value,))
    return int(float(m.group(1)) * _UNITS[(m.group(2) or "").upper()])


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------------- checksums

def _file_name(name, where):
    norm = posixpath.normpath(str(name).strip())
    if norm.startswith("/") or norm.startswith("..") or norm in ("", "."):
        raise WeightsError("%s names %r, which is not a file inside the model directory" % (where, name))
    return norm


def _digest(value, name, where):
    digest = str(value).strip().lower()
    if digest.startswith("sha256:"):
        digest = digest[len("sha256:"):]
    if not _HEX.match(digest):
        raise WeightsError("%s: the checksum of %s is %r, not a SHA-256 (64 hex digits)" % (where, name, value))
    return digest


def parse_sums(text, default=None, where="checksums"):
    """`sha256sum` lines (`<hex>  <name>`, `<hex> *<name>`), BSD lines (`SHA256 (<name>) = <hex>`), or a bare
    digest (a `<file>.sha256` file; it names `default`) -> {name: hex}."""
    sums = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        bsd = re.match(r"^SHA256 ?\((.+)\) ?= ?(\S+)$", line)
        if bsd:
            name, digest = bsd.group(1), bsd.group(2)
        else:
            parts = line.split(None, 1)
            digest, name = parts[0], parts[1].lstrip("*") if len(parts) > 1 else default
        if not name:
            raise WeightsError("%s line %d names no file: %r" % (where, number, line))
        name = _file_name(name, where)
        sums[name] = _digest(digest, name, "%s line %d" % (where, number))
    return sums


def load_checksums(value, directory):
    """The `checksums` option (a dict, or a SHA256SUMS / `*.sha256` file, relative to the directory) -> {name: hex}."""
    if not value:
        return {}
    if isinstance(value, dict):
        return dict((_file_name(k, "checksums"), _digest(v, k, "checksums")) for k, v in value.items())
    path = os.path.join(directory, str(value))
    try:
        with open(path) as f:
            text = f.read()
    except (IOError, OSError) as exc:
        raise WeightsError("cannot read the checksum file %s: %s" % (path, exc))
    base = os.path.basename(path)
    default = base[:-len(".sha256")] if base.endswith(".sha256") else None
    return parse_sums(text, default, path)


# ------------------------------------------------------------------------------------------------ the directory

class Directory:
    """A model directory and what its record knows of its files."""

    def __init__(self, path):
        self.path = path
        self.names = set(os.listdir(path))
        self.record = self._load_record()
        self.known = dict(self.record.get("files") or {})
        self.edited = dict(self.record.get("edited") or {})  # name -> {"from": sha256, "to": sha256} of our edits
        self.hashed = []  # files whose bytes were read to hash them in this run

    def _load_record(self):
        try:
            with open(self.join(RECORD)) as f:
                data = json.load(f)
        except (IOError, OSError, ValueError):
            return {}
        return data if isinstance(data, dict) and data.get("version") == 1 else {}

    def join(self, name):
        return os.path.join(self.path, name)

    def sig(self, name):
        try:
            st = os.stat(self.join(name))
        except OSError:
            return None
        return [st.st_size, st.st_mtime_ns]

    def unchanged(self, name):
        """The file is as the record saw it (same size and mtime)."""
        entry, sig = self.known.get(name), self.sig(name)
        return bool(entry) and sig is not None and [entry.get("size"), entry.get("mtime_ns")] == sig

    def digest(self, name):
        if self.unchanged(name) and self.known[name].get("sha256"):
            return self.known[name]["sha256"]
        digest = sha256_file(self.join(name))
        self.hashed.append(name)
        self.remember(name, digest)
        return digest

    def remember(self, name, digest):
        size, mtime_ns = self.sig(name)
        self.known[name] = {"size": size, "mtime_ns": mtime_ns, "sha256": digest}

    def owner(self):
        st = os.stat(self.path)
        return st.st_uid, st.st_gid

    def write_atomic(self, name, data, mode=None, like=None):
        """Write bytes through a hidden temporary file; mode and owner from `like` (an existing file) or the
        directory's owner and `mode`."""
        fd, tmp = tempfile.mkstemp(prefix=".%s." % name, suffix=".tmp", dir=self.path)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            self._finish(tmp, mode, like)
            os.replace(tmp, self.join(name))
        except BaseException:
            _unlink(tmp)
            raise

    def _finish(self, tmp, mode, like):
        st = os.stat(like) if like and os.path.exists(like) else None
        os.chmod(tmp, (st.st_mode & 0o7777) if st else mode)
        uid, gid = (st.st_uid, st.st_gid) if st else self.owner()
        try:
            os.chown(tmp, uid, gid)
        except OSError:
            pass  # not root: the file stays ours, as any file we write

    def save_record(self, conversion, mode):
        keep = set(conversion.get("removed", [])) if conversion else set()
        files = dict((k, v) for k, v in sorted(self.known.items()) if k in keep or os.path.exists(self.join(k)))
        record = {"version": 1, "files": files}
        if self.edited:
            record["edited"] = self.edited
        if conversion:
            record["conversion"] = conversion
        if record != self.record:
            self.write_atomic(RECORD, (json.dumps(record, indent=1, sort_keys=True) + "\n").encode(), mode)
            self.record = record


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def find_sources(directory):
    """The `.bin` files to convert, in order, and the index's weight map (None without an index)."""
    names = directory.names
    if BIN_INDEX in names:
        try:
            with open(directory.join(BIN_INDEX)) as f:
                weight_map = json.load(f)["weight_map"]
            files = sorted(set(weight_map.values()))
        except (IOError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WeightsError("%s is not a valid index (%s: %s)" % (directory.join(BIN_INDEX), type(exc).__name__,
                                                                     exc))
        missing = [f for f in files if f not in names]
        if missing:
            raise WeightsError("%s names %s, missing from %s: copy the missing shard%s again"
                               % (BIN_INDEX, ", ".join(missing), directory.path, "s" if len(missing) > 1 else ""))
        return files, weight_map
    if BIN_SINGLE in names:
        return [BIN_SINGLE], None
    bins = sorted(n for n in names if _BIN.match(n))
    if len(bins) > 1:
        raise WeightsError("%s holds %s but no %s: which files form the model is unknown"
                           % (directory.path, ", ".join(bins), BIN_INDEX))
    return bins, None


def read_config(directory):
    try:
        with open(directory.join(CONFIG)) as f:
            text = f.read()
    except (IOError, OSError):
        return None, {}
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise WeightsError("%s is not valid JSON: %s" % (directory.join(CONFIG), exc))
    return text, config if isinstance(config, dict) else {}


# ---------------------------------------------------------------------------------------------------- the plan

def _dominant(bytes_by_dtype):
    """The dtype holding the most bytes (floating dtypes first: a model's dtype is its weights')."""
    floats = dict((k, v) for k, v in bytes_by_dtype.items() if k.startswith(("float", "bfloat")))
    pool = floats or bytes_by_dtype
    return max(sorted(pool), key=lambda k: pool[k]) if pool else None


def tied_names(entries, tie):
    """Names not written (module docstring, "tied weights"). entries: name -> (checkpoint, tensor), in order."""
    dropped = []
    views = collections.OrderedDict()
    for name, (checkpoint, tensor) in entries.items():
        views.setdefault((checkpoint.path, tensor.view()), []).append(name)
    if tie is not False:
        for names in views.values():
            tied = [n for n in names if _TIED.search(n)]
            if len(names) > 1 and tied:
                dropped.extend(tied if len(tied) < len(names) else tied[1:])
    if tie is True:
        for name, (checkpoint, tensor) in entries.items():
            if _TIED.search(name) and name not in dropped and any(
                    not _TIED.search(other) and t.dtype == tensor.dtype and t.shape == tensor.shape
                    for other, (c, t) in entries.items()):
                dropped.append(name)
    return dropped


class Plan:
    """The `.bin` files opened (pickles read, no tensor bytes) and the safetensors files they become."""

    def __init__(self, directory, sources, weight_map, shard_size, tie):
        self.directory, self.sources, self.checkpoints = directory, sources, []
        try:
            self._build(weight_map, shard_size, tie)
        except BaseException:
            self.close()
            raise

    def _build(self, weight_map, shard_size, tie):
        entries = collections.OrderedDict()
        for name in self.sources:
            checkpoint = Checkpoint(self.directory.join(name))
            self.checkpoints.append(checkpoint)
            for tensor_name, tensor in checkpoint.tensors.items():
                if tensor_name in entries:
                    raise WeightsError("tensor %s is in both %s and %s" % (
                        tensor_name, os.path.basename(entries[tensor_name][0].path), name))
                entries[tensor_name] = (checkpoint, tensor)
        if not entries:
            raise WeightsError("%s hold no tensors" % ", ".join(self.sources))
        for tensor_name, file_name in sorted((weight_map or {}).items()):
            if tensor_name not in entries or os.path.basename(entries[tensor_name][0].path) != file_name:
                raise WeightsError("%s says %s is in %s, which does not hold it: the index and the shards do not "
                                   "match" % (BIN_INDEX, tensor_name, file_name))
        self.dropped = tied_names(entries, tie)
        self.entries = collections.OrderedDict((k, v) for k, v in entries.items() if k not in self.dropped)
        shards = _safetensors.split([(k, t.nbytes) for k, (c, t) in self.entries.items()], shard_size)
        self.outputs = collections.OrderedDict(zip(_safetensors.shard_names(len(shards)), shards))
        self.parameters = sum(t.numel for c, t in self.entries.values())
        self.total_size = sum(t.nbytes for c, t in self.entries.values())
        by_dtype = collections.Counter()
        for c, t in self.entries.values():
            by_dtype[t.dtype] += t.nbytes
        self.dtype = _dominant(by_dtype)
        self.index = None
        if len(self.outputs) > 1:
            weight_map = dict((k, f) for f, names in self.outputs.items() for k in names)
            self.index = _safetensors.index_text(weight_map, self.total_size, self.parameters)

    def close(self):
        for checkpoint in self.checkpoints:
            checkpoint.close()

    def layout(self, file_name):
        return [(k, self.entries[k][1].st_dtype, self.entries[k][1].shape, self.entries[k][1].nbytes)
                for k in self.outputs[file_name]]

    def files(self):
        out = [{"name": f, "size": _safetensors.file_size(self.layout(f), _safetensors.METADATA)}
               for f in self.outputs]
        return out

    def write(self, file_name, mode):
        """Stream one output into a hidden temporary file -> (path, sha256). Read back before it is used."""
        header, ordered = _safetensors.layout(self.layout(file_name), _safetensors.METADATA)
        fd, tmp = tempfile.mkstemp(prefix=".%s." % file_name, suffix=".tmp", dir=self.directory.path)
        digest = hashlib.sha256(header)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(header)
                for name, dtype, shape, nbytes in ordered:
                    checkpoint, tensor = self.entries[name]
                    for block in checkpoint.chunks(tensor):
                        f.write(block)
                        digest.update(block)
                f.flush()
                os.fsync(f.fileno())
            self._check(tmp, file_name, digest.hexdigest())
            self.directory._finish(tmp, mode, self.directory.join(file_name))
        except BaseException:
            _unlink(tmp)
            raise
        return tmp, digest.hexdigest()

    def _check(self, tmp, file_name, digest):
        """Read the written file back: its header must be the plan's and its bytes hash as written."""
        with open(tmp, "rb") as f:
            header = _safetensors.read_header(f, os.fstat(f.fileno()).st_size)[0]
        want = dict((n, (d, list(s))) for n, d, s, b in self.layout(file_name))
        got = dict((n, (v["dtype"], v["shape"])) for n, v in header.items() if n != "__metadata__")
        if got != want or sha256_file(tmp) != digest:
            raise WeightsError("%s did not read back as written (disk full or failing?); the sources were kept"
                               % self.directory.join(file_name))


# ----------------------------------------------------------------------------------------------- config.json

def _members(text):
    """The top-level members of a JSON object text: (key, value, key_start, value_start, value_end), and the
    position of the closing brace."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"\s*")
    i = ws.match(text, 0).end()
    if text[i:i + 1] != "{":
        raise ValueError("not a JSON object")
    i = ws.match(text, i + 1).end()
    members = []
    if text[i:i + 1] == "}":
        return members, i
    while True:
        if text[i:i + 1] != '"':
            raise ValueError("expected a key at %d" % i)
        key, end = scanstring(text, i + 1)
        colon = ws.match(text, end).end()
        if text[colon:colon + 1] != ":":
            raise ValueError("expected ':' at %d" % colon)
        start = ws.match(text, colon + 1).end()
        value, stop = decoder.raw_decode(text, start)
        members.append((key, value, i, start, stop))
        i = ws.match(text, stop).end()
        if text[i:i + 1] == "}":
            return members, i
        if text[i:i + 1] != ",":
            raise ValueError("expected ',' at %d" % i)
        i = ws.match(text, i + 1).end()


def set_config_dtype(text, dtype):
    """config.json with top-level `torch_dtype` (added when absent: MindIE reads it) and `dtype` (the
    transformers >= 4.56 name, when present) set to dtype; every other byte as it was."""
    members, close = _members(text)
    edits, keys = [], set()
    for key, value, key_start, start, stop in members:
        if key in ("torch_dtype", "dtype"):
            keys.add(key)
            if value != dtype:
                edits.append((start, stop, json.dumps(dtype)))
    if "torch_dtype" not in keys:
        if members:
            key_start, start, stop = members[-1][2:]
            line_start = text.rfind("\n", 0, key_start) + 1
            indent = text[line_start:key_start]
            sep = text[text.index(":", scanstring(text, key_start + 1)[1]):start]
            # the file's own layout: one key per line with its indent, or all on one line
            glue = "\n" + indent if line_start and not indent.strip() else (" " if sep.endswith(" ") else "")
            edits.append((stop, stop, ",%s\"torch_dtype\"%s%s" % (glue, sep, json.dumps(dtype))))
        else:
            edits.append((close, close, '"torch_dtype": %s' % json.dumps(dtype)))
    for start, stop, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[stop:]
    return text


# ------------------------------------------------------------------------------------------------- describing

def describe_safetensors(directory):
    """files, total_bytes, dtype and parameters of the safetensors files, from their headers only."""
    if _safetensors.INDEX in directory.names:
        try:
            with open(directory.join(_safetensors.INDEX)) as f:
                files = sorted(set(json.load(f)["weight_map"].values()))
        except (IOError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WeightsError("%s is not a valid index (%s)" % (directory.join(_safetensors.INDEX), exc))
        missing = [f for f in files if f not in directory.names]
        if missing:
            raise WeightsError("%s names %s, missing from %s: copy the missing shard%s again" % (
                _safetensors.INDEX, ", ".join(missing), directory.path, "s" if len(missing) > 1 else ""))
    else:
        files = sorted(n for n in directory.names if n.endswith(".safetensors") and not n.startswith("."))
    parameters, by_dtype, out = 0, collections.Counter(), []
    for name in files:
        path = directory.join(name)
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                header = _safetensors.read_header(f, size)[0]
        except (IOError, OSError, _safetensors.SafetensorsError) as exc:
            raise WeightsError("%s is not a valid safetensors file (%s): copy it again" % (path, exc))
        for key, info in header.items():
            if key == "__metadata__":
                continue
            count = 1
            for dim in info["shape"]:
                count *= dim
            parameters += count
            by_dtype[_safetensors.TORCH_NAMES.get(info["dtype"], info["dtype"])] += \
                info["data_offsets"][1] - info["data_offsets"][0]
        out.append({"name": name, "size": size})
    return {"files": out, "total_bytes": sum(f["size"] for f in out), "dtype": _dominant(by_dtype),
            "parameters": parameters}


def describe(path):
    """What the directory's weights are now: safetensors if any, else the `.bin` files (pickles only)."""
    directory = Directory(path)
    if any(n.endswith(".safetensors") and not n.startswith(".") for n in directory.names):
        return describe_safetensors(directory)
    sources, weight_map = find_sources(directory)
    if not sources:
        raise WeightsError("%s holds no weights (no *.safetensors, no pytorch_model*.bin)" % path)
    tie = read_config(directory)[1].get("tie_word_embeddings")
    plan = Plan(directory, sources, weight_map, parse_size(DEFAULT_SHARD_SIZE), tie)
    plan.close()
    files = [{"name": n, "size": directory.sig(n)[0]} for n in sources]
    return {"files": files, "total_bytes": sum(f["size"] for f in files), "dtype": plan.dtype,
            "parameters": plan.parameters}


# ----------------------------------------------------------------------------------------------------- the run

def sync(path, convert=True, shard_size=DEFAULT_SHARD_SIZE, torch_dtype=None, remove_source=False, checksums=None,
         check_mode=False, mode=0o640):
    """Bring a model directory to the wanted state; returns the module's result (plus `managed`, the files the
    module owns, and `diff` for config.json). Raises WeightsError (or CheckpointError) naming file and fix."""
    if not os.path.isdir(path):
        raise WeightsError("%s is not a directory" % path)
    directory = Directory(path)
    max_shard = parse_size(shard_size)
    result = {"changed": False, "converted": [], "written": [], "removed": [], "dropped": [], "verified": []}
    conversion = dict(directory.record.get("conversion") or {})

    # 1. Checksums, before anything reads the files as weights.
    for name, want in sorted(load_checksums(checksums, path).items()):
        if name in directory.names:
            got = directory.digest(name)
        elif name in conversion.get("removed", []) and name in directory.known:
            got = directory.known[name].get("sha256")  # converted and removed by an earlier run
        else:
            raise WeightsError("%s has a checksum but is not in %s: copy it again" % (name, path))
        edit = directory.edited.get(name) or {}
        if got != want and not (edit.get("to") == got and edit.get("from") == want):  # our own dtype edit
            raise WeightsError("checksum mismatch: %s has SHA-256 %s, expected %s; the file is corrupt or "
                               "incomplete: copy or download it again" % (directory.join(name), got, want))
        result["verified"].append(name)

    # 2. Conversion, unless the record shows it was made from these very files with these options.
    config_text, config = read_config(directory)
    sources, weight_map = find_sources(directory)
    plan = None
    if convert and sources:
        options = {"converter": CONVERTER, "shard_size": max_shard, "tie_word_embeddings":
                   config.get("tie_word_embeddings")}
        signatures = dict((n, directory.sig(n)) for n in sources + ([BIN_INDEX] if weight_map is not None else []))
        done = (conversion.get("options") == options and conversion.get("sources") == signatures
                and all(directory.unchanged(n) for n in conversion.get("outputs", [])))
        if not done:
            plan = Plan(directory, sources, weight_map, max_shard, config.get("tie_word_embeddings"))
            try:
                result["converted"] = list(sources)
                conversion = _convert(directory, plan, check_mode, mode, result)
                conversion.update(options=options, sources=signatures)
            finally:
                plan.close()
    elif not convert and remove_source:
        raise WeightsError("remove_source needs format safetensors: without a conversion the .bin files are the "
                           "weights")

    # 3. The sources go only once the safetensors were written and read back (now or by an earlier run).
    if convert and remove_source and sources:
        for name in sources + ([BIN_INDEX] if weight_map is not None else []):
            if not check_mode:
                os.unlink(directory.join(name))
            result["removed"].append(name)
        conversion["removed"] = sorted(set(conversion.get("removed", [])) | set(result["removed"]))
        result["changed"] = True

    # 4. config.json's dtype.
    if torch_dtype and config_text is not None:
        try:
            after = set_config_dtype(config_text, torch_dtype)
        except ValueError as exc:
            raise WeightsError("cannot edit %s: %s" % (directory.join(CONFIG), exc))
        if after != config_text:
            result["changed"] = True
            result["diff"] = {"before": config_text, "after": after, "before_header": directory.join(CONFIG),
                              "after_header": directory.join(CONFIG)}
            if not check_mode:
                before = directory.digest(CONFIG)
                directory.write_atomic(CONFIG, after.encode("utf-8"), mode, like=directory.join(CONFIG))
                now = hashlib.sha256(after.encode("utf-8")).hexdigest()
                directory.remember(CONFIG, now)
                # a checksum of the file as shipped still holds for it after our edit
                last = directory.edited.get(CONFIG) or {}
                shipped = last.get("from") if last.get("to") == before else before
                directory.edited[CONFIG] = {"from": shipped, "to": now}
            config = json.loads(after)
    elif torch_dtype:
        raise WeightsError("%s has no config.json to set torch_dtype in" % path)
    result["torch_dtype"] = config.get("torch_dtype", config.get("dtype"))

    # 5. What the weights are now (or would be).
    if plan is not None:
        files = plan.files()
        result.update(files=files, total_bytes=sum(f["size"] for f in files), dtype=plan.dtype,
                      parameters=plan.parameters, dropped=list(plan.dropped))
    elif conversion.get("summary") and all(directory.unchanged(n) for n in conversion.get("outputs", [])):
        summary = conversion["summary"]
        files = [{"name": n, "size": directory.known[n]["size"]} for n in conversion["outputs"]
                 if n.endswith(".safetensors")]
        result.update(files=files, total_bytes=sum(f["size"] for f in files), dtype=summary["dtype"],
                      parameters=summary["parameters"], dropped=list(summary["dropped"]))
    else:
        directory.names = set(os.listdir(path))
        result.update(describe(path) if not convert else _describe_or_fail(directory))
    if result["written"] or result["removed"]:
        result["changed"] = True
    managed = [f["name"] for f in result["files"]]
    if plan is not None and plan.index or _safetensors.INDEX in conversion.get("outputs", []):
        managed.append(_safetensors.INDEX)
    result["managed"] = [directory.join(n) for n in managed + [CONFIG] if os.path.exists(directory.join(n))]
    if not check_mode:
        try:
            directory.save_record(conversion, mode)
        except (IOError, OSError) as exc:  # a read-only share still verifies; only the next run is slower
            result["warnings"] = ["cannot write %s: %s; the next run hashes the files again"
                                  % (directory.join(RECORD), exc)]
    result["hashed"] = list(directory.hashed)
    return result


def _describe_or_fail(directory):
    if not any(n.endswith(".safetensors") and not n.startswith(".") for n in directory.names):
        raise WeightsError("%s holds no weights (no *.safetensors, no pytorch_model*.bin)" % directory.path)
    return describe_safetensors(directory)


def _convert(directory, plan, check_mode, mode, result):
    """Write the plan's files where they differ, remove stale shards; -> the record's conversion entry."""
    outputs = list(plan.outputs) + ([_safetensors.INDEX] if plan.index else [])
    stale = sorted(n for n in directory.names if n not in outputs
                   and (n in (_safetensors.SINGLE, _safetensors.INDEX) or _SHARD.match(n)))
    if check_mode:
        result["written"], result["removed"] = outputs, stale
        return {}
    for name in directory.names:
        if _TEMP.match(name):  # left by a conversion that was killed
            _unlink(directory.join(name))
    for name in plan.outputs:
        tmp, digest = plan.write(name, mode)
        target = directory.join(name)
        if os.path.exists(target) and os.path.getsize(target) == os.path.getsize(tmp) \
                and directory.digest(name) == digest:
            _unlink(tmp)  # the same bytes are there already: keep the file (and its mtime)
            continue
        os.replace(tmp, target)
        directory.remember(name, digest)
        result["written"].append(name)
    if plan.index:
        data = plan.index.encode("utf-8")
        if directory.sig(_safetensors.INDEX) is None or directory.digest(_safetensors.INDEX) \
                != hashlib.sha256(data).hexdigest():
            directory.write_atomic(_safetensors.INDEX, data, mode, like=directory.join(_safetensors.INDEX))
            result["written"].append(_safetensors.INDEX)
        directory.remember(_safetensors.INDEX, hashlib.sha256(data).hexdigest())
    for name in stale:
        os.unlink(directory.join(name))
        directory.known.pop(name, None)
        result["removed"].append(name)
    return {"outputs": outputs, "summary": {"dtype": plan.dtype, "parameters": plan.parameters,
                                            "dropped": list(plan.dropped)}}
