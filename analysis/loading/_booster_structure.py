r"""Checks of XGBoost and LightGBM model files' indices, the boosting libraries' side of ``_structure``.

Both libraries follow a tree's child and feature indices without bounds checks when they load and
predict, and trust what their model files say:

* **XGBoost** loads a ``.json``/``.ubj`` whose tree has a child or a split feature out of range
  without a word, then crashes (SIGSEGV) or reads memory outside the model at the first prediction;
  a categorical split whose slice runs past the category list, or a node whose parent is out of
  range, crashes it while loading. So the file is read here first (:func:`read_xgboost_model`:
  JSON, or UBJSON with a small strict reader) and :func:`check_xgboost` checks, before XGBoost sees
  the bytes: per tree, the node arrays' lengths; children inside the tree, the root nobody's child,
  no node with two parents; every node's parent the node whose child it is; depth at most
  :data:`~analysis.loading._structure.MAX_TREE_DEPTH` (XGBoost walks trees recursively: a chain
  300,000 deep overflowed its stack); split features inside ``num_feature``; the categorical
  splits exactly the nodes the category lists name, in order, their slices inside the list; one
  value per leaf (multi-target trees are refused). Per model: each tree's output group
  (``tree_info``), trees per iteration (``iteration_indptr``), DART's drop weights, XGBoost 3's
  category table (``cats``: segments, sorted positions, names and offsets), and the memory the
  categorical bitsets would take (each split costs its largest category + 1 bits: a 114 kB file
  asked for 2.3 GB).
* **LightGBM** parses a ``.txt`` model's trees in parallel threads, where a malformed tree ends
  the process (``terminate called``, SIGABRT) instead of raising; jumps to the byte offsets in
  ``tree_sizes`` unchecked; and dumps trees recursively (a chain of 10,000 leaves overflowed its
  stack). :func:`check_lightgbm_text` reads the text *as LightGBM does*, before LightGBM sees it
  (a line ends at ``\n`` or ``\r`` only, keys are not trimmed, a tree ends at a blank line or
  after 22 lines), and refuses what LightGBM would read differently (a repeated key, a key with
  spaces, a line without ``=``): otherwise a file could show this check one ``left_child`` and
  LightGBM another. Then: the header's ``num_class``, ``num_tree_per_iteration`` and the
  objective's ``num_class:K`` agree and the trees are whole iterations; every ``tree_sizes`` block
  inside the file and starting with ``Tree=``; each tree's fields present, of the lengths LightGBM
  expects, numbers that parse; children inside the tree (internal nodes after their parent, leaves
  inside ``num_leaves``, each node one parent), depth at most the limit; split features at most
  ``max_feature_idx``; a categorical split's category range inside ``cat_boundaries`` and those
  inside ``cat_threshold``. Linear trees (``is_linear=1``) are refused: their per-leaf feature
  lists are not checked here.

CatBoost's ``.cbm`` is not checked here: ``_boosting._catboost_canary`` loads it and predicts a row
in a throwaway process first. Two adversarial reviews shaped these checks; their reproducers are
the tests in ``tests/loading/test_booster_structure.py``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from analysis.loading._structure import StructureError, _check_children, _check_depth

# ---- XGBoost ---------------------------------------------------------------------------------
#: Nesting deeper than this in a UBJSON model is refused (XGBoost's own files nest about 8 levels).
_MAX_DEPTH = 64
#: XGBoost reads category values as floats; it refuses categories at or above 2**24 itself when
#: training, and a file's larger values would size a bitset at load.
_MAX_CATEGORY = 1 << 24
#: Bits of categorical-split bitsets a model may ask XGBoost to allocate (64 MiB; a model trained on a
#: feature of 10,000 categories with 5,000 such splits takes 6 MB).
_MAX_CATEGORY_BITS = 8 * (64 << 20)
_UBJ_NUMBERS = {b"i": ">i1", b"U": ">u1", b"I": ">i2", b"l": ">i4", b"L": ">i8", b"d": ">f4", b"D": ">f8"}


def read_xgboost_model(data: bytes) -> dict:
    """An XGBoost model file (JSON or UBJSON) as Python objects, without XGBoost (typed arrays as NumPy)."""
    if data.lstrip()[:1] == b"{" and data.lstrip()[1:2] in (b'"', b"\n", b" ", b"\r", b"\t", b"}"):
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise StructureError(f"it is not valid JSON ({type(exc).__name__})") from None
    reader = _Ubj(data)
    model = reader.value(reader.marker(), 0)
    if not isinstance(model, dict):
        raise StructureError("it is not a UBJSON object")
    return model


class _Ubj:
    """A strict reader of the UBJSON XGBoost writes (big-endian numbers, typed arrays ``[$T#L<n>``)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise StructureError("its UBJSON ends in the middle of a value")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def marker(self) -> bytes:
        return self.take(1)

    def number(self, marker: bytes) -> Any:
        dtype = _UBJ_NUMBERS.get(marker)
        if dtype is None:
            raise StructureError(f"its UBJSON has an unknown number type {marker!r}")
        return np.frombuffer(self.take(np.dtype(dtype).itemsize), dtype=dtype)[0].item()

    def length(self) -> int:
        n = self.number(self.marker())
        if not isinstance(n, int) or n < 0:
            raise StructureError("its UBJSON has a negative or fractional length")
        return n

    def value(self, marker: bytes, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise StructureError(f"its UBJSON nests deeper than {_MAX_DEPTH} levels")
        if marker in _UBJ_NUMBERS:
            return self.number(marker)
        if marker == b"S":
            return self.take(self.length()).decode("utf-8", errors="replace")
        if marker in (b"T", b"F", b"Z"):
            return {b"T": True, b"F": False, b"Z": None}[marker]
        if marker in (b"{", b"["):
            kind, count = self.container_header()
            if marker == b"[" and kind is not None:  # a typed array: raw big-endian numbers
                dtype = np.dtype(_UBJ_NUMBERS[kind])
                return np.frombuffer(self.take(count * dtype.itemsize), dtype=dtype)
            return self.container(marker, kind, count, depth)
        raise StructureError(f"its UBJSON has an unknown value type {marker!r}")

    def container_header(self) -> tuple[bytes | None, int | None]:
        """An optimised container's element type (``$T``) and count (``#n``), each when given."""
        kind = count = None
        if self.data[self.pos : self.pos + 1] == b"$":
            self.pos += 1
            kind = self.marker()
            if kind not in _UBJ_NUMBERS or self.data[self.pos : self.pos + 1] != b"#":
                raise StructureError("its UBJSON has a typed container of an unknown type or without a count")
        if self.data[self.pos : self.pos + 1] == b"#":
            self.pos += 1
            count = self.length()
        return kind, count

    def container(self, marker: bytes, kind: bytes | None, count: int | None, depth: int) -> Any:
        end = b"}" if marker == b"{" else b"]"
        out: Any = {} if marker == b"{" else []
        done = 0
        while count is None or done < count:
            if count is None and self.data[self.pos : self.pos + 1] == end:
                self.pos += 1
                break
            key = self.take(self.length()).decode("utf-8", errors="replace") if marker == b"{" else None
            item = self.number(kind) if kind is not None else self.value(self.marker(), depth + 1)
            if marker == b"{":
                out[key] = item
            else:
                out.append(item)
            done += 1
        return out


def check_xgboost(model: dict) -> None:
    """Raise :class:`StructureError` for the first index XGBoost would follow out of range in ``model``.

    ``model`` is the file read by :func:`read_xgboost_model`; XGBoost follows these indices when it
    loads the file (categories) and when it predicts (children, features, output groups).
    """
    learner = model["learner"]
    params = learner.get("learner_model_param", {})
    n_features = int(params.get("num_feature", 0))
    groups = max(int(params.get("num_class", 0) or 0), int(params.get("num_target", 1) or 1), 1)
    booster_part = learner["gradient_booster"]
    name = booster_part.get("name", "gbtree")
    if name == "gblinear":
        weights = np.asarray(booster_part["model"]["weights"], dtype=float)
        if weights.size != (n_features + 1) * groups:
            raise StructureError(f"its linear weights are {weights.size}, not {(n_features + 1) * groups}")
        return
    trees_part = booster_part["gbtree"]["model"] if name == "dart" else booster_part["model"]
    trees = trees_part.get("trees", [])
    info = np.asarray(trees_part.get("tree_info", []), dtype=np.int64)
    if info.shape != (len(trees),) or (info.size and (int(info.min()) < 0 or int(info.max()) >= groups)):
        raise StructureError(f"its trees' output groups (tree_info) do not match its {len(trees)} trees of {groups}")
    indptr = trees_part.get("iteration_indptr")
    if indptr is not None:
        ptr = np.asarray(indptr, dtype=np.int64)
        if ptr.ndim != 1 or not ptr.size or ptr[0] != 0 or ptr[-1] != len(trees) or (np.diff(ptr) < 0).any():
            raise StructureError(f"its trees per iteration (iteration_indptr) do not add up to its {len(trees)} trees")
    _check_xgboost_recoder(trees_part.get("cats"), n_features)
    if name == "dart" and len(booster_part.get("weight_drop", [])) != len(trees):
        raise StructureError(f"its DART drop weights are not one per tree ({len(trees)} trees)")
    bits = sum(_check_xgboost_tree(tree, f"tree {i}", n_features) for i, tree in enumerate(trees))
    if bits > _MAX_CATEGORY_BITS:  # each categorical split's bitset: (its largest category + 1) bits
        raise StructureError(f"its categorical splits' bitsets would take {bits // 8:,} bytes")


def _check_xgboost_recoder(cats: dict | None, n_features: int) -> None:
    """XGBoost 3's table of the categories a model was trained on (``cats``), which it indexes at predict.

    ``feature_segments`` cuts ``sorted_idx`` into one run per feature; each run holds positions
    inside that feature's categories; each feature's categories are numbers (``values``) or strings
    (UTF-8 bytes in ``values`` cut by ``offsets``).
    """
    if not cats:
        return
    where = "its category table (cats)"
    encoders = cats.get("enc", [])
    segments = np.asarray(cats.get("feature_segments", []), dtype=np.int64)
    order = np.asarray(cats.get("sorted_idx", []), dtype=np.int64)
    if not len(encoders) and not segments.size and not order.size:
        return
    if len(encoders) != n_features or segments.shape != (n_features + 1,):
        raise StructureError(f"{where}: it does not describe the model's {n_features} features")
    if segments[0] != 0 or (np.diff(segments) < 0).any() or segments[-1] != order.size:
        raise StructureError(f"{where}: its feature segments do not cut its {order.size} sorted positions")
    for f, encoder in enumerate(encoders):
        count = int(segments[f + 1] - segments[f])
        run = order[segments[f] : segments[f + 1]]
        if run.size and (int(run.min()) < 0 or int(run.max()) >= count):
            raise StructureError(f"{where}: feature {f}'s sorted positions are outside its {count} categories")
        offsets = np.asarray(encoder.get("offsets", []), dtype=np.int64)
        values = np.asarray(encoder.get("values", []))
        if offsets.size:
            if offsets[0] != 0 or (np.diff(offsets) < 0).any() or offsets[-1] != values.size:
                raise StructureError(f"{where}: feature {f}'s category names are not cut by its offsets")
            if offsets.size - 1 != count:
                raise StructureError(f"{where}: feature {f} names {offsets.size - 1} categories, not {count}")
        elif values.size != count:
            raise StructureError(f"{where}: feature {f} lists {values.size} categories, not {count}")


def _check_xgboost_tree(tree: dict, where: str, n_features: int) -> int:
    """Check one tree; returns the bits its categorical splits' bitsets take."""
    n = int(tree["tree_param"]["num_nodes"])
    leaf_vector = max(int(tree["tree_param"].get("size_leaf_vector", 1) or 1), 1)
    if n < 1:
        raise StructureError(f"{where}: it has {n} nodes")
    arrays = {}
    for key in ("left_children", "right_children", "parents", "split_indices", "split_conditions", "default_left"):
        arrays[key] = np.asarray(tree[key])
        if arrays[key].shape != (n,):
            raise StructureError(f"{where}: {key} holds {arrays[key].size} values for its {n} nodes")
    weights = np.asarray(tree.get("base_weights", []))
    if weights.size not in (n, n * leaf_vector):
        raise StructureError(f"{where}: base_weights holds {weights.size} values for its {n} nodes")
    if leaf_vector != 1:
        raise StructureError(
            f"{where}: it is a multi-target tree ({leaf_vector} values per leaf), which Tradeoffs does not read"
        )
    left = arrays["left_children"].astype(np.int64)
    right = arrays["right_children"].astype(np.int64)
    split = left != -1
    _check_children(left, right, split, n, where, later=False)
    # XGBoost's loader follows every node's parent: each child's is its parent, the root's none
    parents = arrays["parents"].astype(np.int64)
    none = (parents == -1) | (parents == 2147483647)
    if not (none | ((parents >= 0) & (parents < n))).all() or not none[0]:
        raise StructureError(f"{where}: a node's parent is outside its {n} nodes")
    owners = np.flatnonzero(split)
    if (parents[left[owners]] != owners).any() or (parents[right[owners]] != owners).any():
        raise StructureError(f"{where}: a node's parent is not the node whose child it is")
    _check_depth(np.where(split, left, -1), np.where(split, right, -1), split, where)
    feature = arrays["split_indices"].astype(np.int64)[split]
    if feature.size and (int(feature.min()) < 0 or int(feature.max()) >= n_features):
        raise StructureError(f"{where}: a split reads feature {int(feature.max())}, outside its {n_features} features")
    split_type = np.asarray(tree.get("split_type", np.zeros(n)), dtype=np.int64)
    if split_type.shape != (n,):
        raise StructureError(f"{where}: split_type holds {split_type.size} values for its {n} nodes")
    nodes = np.asarray(tree.get("categories_nodes", []), dtype=np.int64)
    segments = np.asarray(tree.get("categories_segments", []), dtype=np.int64)
    sizes = np.asarray(tree.get("categories_sizes", []), dtype=np.int64)
    categories = np.asarray(tree.get("categories", []), dtype=np.int64)
    if not (nodes.shape == segments.shape == sizes.shape):
        raise StructureError(f"{where}: its categorical splits' lists differ in length")
    if nodes.size and (
        int(nodes.min()) < 0
        or int(nodes.max()) >= n
        or int(segments.min()) < 0
        or int(sizes.min()) < 0
        or int((segments + sizes).max()) > categories.size
    ):
        raise StructureError(f"{where}: a categorical split's categories are outside its list of {categories.size}")
    if categories.size and (int(categories.min()) < 0 or int(categories.max()) >= _MAX_CATEGORY):
        raise StructureError(f"{where}: a categorical split lists a category outside 0 to 2**24")
    # XGBoost matches categorical splits to their lists in order
    if not np.array_equal(nodes, np.flatnonzero(split & (split_type == 1))):
        raise StructureError(f"{where}: its categorical splits and the nodes its category lists name differ")
    # each categorical split's bitset takes (its largest category + 1) bits
    return sum(int(categories[a : a + b].max()) + 1 for a, b in zip(segments, sizes, strict=True) if b)


# ---- LightGBM --------------------------------------------------------------------------------
_TREE_LINE = re.compile(r"^Tree=\d+$")
#: Fields per internal node (num_leaves - 1 values) and per leaf (num_leaves values) that LightGBM
#: parses with a fixed count (a wrong count ends the process); the first ones in each are required.
_INTERNAL = ("split_feature", "threshold", "left_child", "right_child")
_INTERNAL_OPTIONAL = ("split_gain", "decision_type", "internal_value", "internal_weight", "internal_count")
_LEAF = ("leaf_value",)
_LEAF_OPTIONAL = ("leaf_weight", "leaf_count", "leaf_parent")
_INTEGER = {
    "split_feature",
    "left_child",
    "right_child",
    "decision_type",
    "internal_count",
    "leaf_count",
    "leaf_parent",
}
_MAX_LEAVES = 1 << 24


#: LightGBM reads at most this many ``key=value`` lines of a tree, stopping at the first empty one.
_TREE_LINES = 22
_LINE_BREAK = re.compile(r"\r\n|\n|\r")


def _fields(block: str, where: str, *, limit: int | None = None, flags: bool = False) -> dict[str, str]:
    r"""``key=value`` lines as LightGBM reads them, refusing what it would read otherwise than we do.

    LightGBM ends a line only at ``\n``/``\r``, takes keys as written (no trimming), keeps the
    last of a repeated key, and in a tree stops at an empty line or after 22 lines; a line without
    ``=`` makes it scan on into the next line for one. A file where any of that matters (a repeated
    key, a key with spaces, a line without ``=``) is refused rather than guessed at.
    """
    fields: dict[str, str] = {}
    for count, line in enumerate(_LINE_BREAK.split(block)):
        if limit is not None and (count >= limit or not line):
            break
        if not line or line.startswith("Tree=") or line in ("tree", "end of trees"):
            continue
        key, sep, value = line.partition("=")
        if not sep and flags and re.fullmatch(r"[a-z_]+", line):  # a header flag such as average_output
            fields[line] = ""
            continue
        if not sep:
            raise StructureError(f"{where}: a line without '=' ({line[:40]!r})")
        if key != key.strip() or not key or any(c.isspace() for c in key):
            raise StructureError(f"{where}: a key with spaces ({key[:40]!r})")
        if key in fields:
            raise StructureError(f"{where}: {key} is given twice")
        fields[key] = value
    return fields


def _numbers(fields: dict[str, str], key: str, count: int, where: str) -> np.ndarray:
    text = fields[key]
    parts = text.split(" ") if text else []
    if len(parts) != count or any(not p for p in parts):
        raise StructureError(f"{where}: {key} holds {len(parts)} values where LightGBM expects {count}")
    try:  # NumPy parses the strings itself (int64 refuses "1.5" as int() does)
        if key in _INTEGER or key in ("cat_boundaries", "cat_threshold"):
            return np.array(parts, dtype=np.int64)
        return np.array(parts, dtype=float)
    except (ValueError, OverflowError):
        raise StructureError(f"{where}: {key} holds a value that is not a number") from None


def _integer(fields: dict[str, str], key: str, where: str) -> int:
    if key not in fields:
        raise StructureError(f"{where}: it has no {key}")
    if not re.fullmatch(r"-?\d{1,18}", fields[key]):  # as LightGBM's Atoi reads it: no spaces, no '_'
        raise StructureError(f"{where}: {key} is not a whole number")
    return int(fields[key])


def check_lightgbm_text(text: str) -> None:
    """Raise :class:`StructureError` for the first thing in a LightGBM model text that LightGBM would not survive."""
    lines = text.split("\n")
    first_tree = next((i for i, line in enumerate(lines) if _TREE_LINE.match(line.strip())), None)
    header = _fields("\n".join(lines[: first_tree if first_tree is not None else len(lines)]), "its header", flags=True)
    max_feature = _integer(header, "max_feature_idx", "its header")
    if max_feature < 0:
        raise StructureError(f"its header: max_feature_idx is {max_feature}")
    names = header.get("feature_names", "").split(" ")
    if len(names) != max_feature + 1:
        raise StructureError(f"its header names {len(names)} features where max_feature_idx says {max_feature + 1}")
    per_iteration = _check_lightgbm_outputs(header)
    if first_tree is None:
        if "end of trees" not in text:
            raise StructureError("it has no trees and no 'end of trees'")
        return
    start = sum(len(line) + 1 for line in lines[:first_tree])
    if "tree_sizes" in header:
        try:
            sizes = [int(s) for s in header["tree_sizes"].split()]
        except ValueError:
            raise StructureError("its header: tree_sizes holds a value that is not a whole number") from None
        blocks, offset = [], start
        for i, size in enumerate(sizes):
            if size <= 0 or offset + size > len(text):
                raise StructureError(f"tree {i}'s size in tree_sizes ({size}) runs past the end of the file")
            block = text[offset : offset + size]
            if not _TREE_LINE.match(block.split("\n", 1)[0].strip()):
                raise StructureError(f"tree {i} is not where tree_sizes puts it (it does not start with 'Tree=')")
            blocks.append(block)
            offset += size
    else:
        body = text[start:].split("end of trees", 1)[0]
        blocks = [b for b in re.split(r"(?m)^(?=Tree=\d+\s*$)", body) if b.strip()]
    if len(blocks) % per_iteration:
        raise StructureError(f"its {len(blocks)} trees are not whole iterations of {per_iteration} trees")
    for i, block in enumerate(blocks):
        where = f"tree {i}"
        head, _, body = block.partition("\n")
        if not _TREE_LINE.match(head.strip()):
            raise StructureError(f"{where} does not start with 'Tree='")
        _check_lightgbm_tree(_fields(body, where, limit=_TREE_LINES), where, max_feature)


def _check_lightgbm_outputs(header: dict[str, str]) -> int:
    """``num_class``, ``num_tree_per_iteration`` and the objective's ``num_class:K`` agree; trees per iteration."""
    classes = _integer(header, "num_class", "its header") if "num_class" in header else 1
    per_iteration = (
        _integer(header, "num_tree_per_iteration", "its header") if "num_tree_per_iteration" in header else classes
    )
    if classes < 1 or per_iteration != classes:
        raise StructureError(f"its header: num_class {classes} and num_tree_per_iteration {per_iteration} disagree")
    stated = [p.split(":", 1)[1] for p in header.get("objective", "").split(" ")[1:] if p.startswith("num_class:")]
    if stated and stated[0] != str(classes):
        raise StructureError(f"its header: the objective's num_class:{stated[0]} is not num_class {classes}")
    return per_iteration


def _check_lightgbm_tree(fields: dict[str, str], where: str, max_feature: int) -> None:
    leaves = _integer(fields, "num_leaves", where)
    if not 1 <= leaves <= _MAX_LEAVES:
        raise StructureError(f"{where}: num_leaves is {leaves}")
    if fields.get("is_linear", "0").strip() not in ("", "0"):
        raise StructureError(f"{where}: it is a linear tree (is_linear=1), which Tradeoffs does not read")
    for key in _LEAF:
        if key not in fields:
            raise StructureError(f"{where}: it has no {key}")
    if leaves == 1:  # LightGBM reads only the leaf's value (it writes the other fields empty)
        _numbers(fields, "leaf_value", 1, where)
        return
    for key in _LEAF + _LEAF_OPTIONAL:
        if key in fields:
            _numbers(fields, key, leaves, where)
    for key in _INTERNAL:
        if key not in fields:
            raise StructureError(f"{where}: it has no {key}")
    values = {key: _numbers(fields, key, leaves - 1, where) for key in _INTERNAL + _INTERNAL_OPTIONAL if key in fields}
    internal = leaves - 1
    left, right = values["left_child"], values["right_child"]
    for side, children in (("left", left), ("right", right)):
        inner = children >= 0
        later = np.arange(internal)
        bad = (inner & ((children <= later) | (children >= internal))) | (~inner & (~children >= leaves))
        if bad.any():
            node = int(np.argmax(bad))
            raise StructureError(
                f"{where}: node {node}'s {side} child is {int(children[node])}, not a later node or a leaf of its "
                f"{leaves} leaves"
            )
    both = np.concatenate((left, right))
    inner_children, leaf_children = both[both >= 0], ~both[both < 0]
    if np.unique(inner_children).size != inner_children.size or np.unique(leaf_children).size != leaf_children.size:
        raise StructureError(f"{where}: a node is the child of two nodes")
    _check_depth(np.where(left >= 0, left, -1), np.where(right >= 0, right, -1), np.ones(internal, bool), where)
    feature = values["split_feature"]
    if int(feature.min()) < 0 or int(feature.max()) > max_feature:
        raise StructureError(
            f"{where}: a split reads feature {int(feature.max())}, outside its {max_feature + 1} features"
        )
    decision = values.get("decision_type", np.zeros(internal, dtype=np.int64))
    categorical = (decision & 1) == 1
    n_cat = _integer(fields, "num_cat", where) if "num_cat" in fields else 0
    if n_cat < 0 or (categorical.any() and n_cat == 0):
        raise StructureError(f"{where}: it has categorical splits but num_cat is {n_cat}")
    if n_cat:
        if "cat_boundaries" not in fields or "cat_threshold" not in fields:
            raise StructureError(f"{where}: num_cat is {n_cat} but it has no category lists")
        bounds = _numbers(fields, "cat_boundaries", n_cat + 1, where)
        words = len(fields["cat_threshold"].split())
        if bounds[0] != 0 or (np.diff(bounds) < 0).any() or bounds[-1] != words:
            raise StructureError(f"{where}: its cat_boundaries do not cut its {words} category words")
        _numbers(fields, "cat_threshold", words, where)
    if categorical.any():
        index = values["threshold"][categorical]
        if (index != np.round(index)).any() or int(index.min()) < 0 or int(index.max()) >= n_cat:
            raise StructureError(f"{where}: a categorical split names a category list outside its {n_cat}")
