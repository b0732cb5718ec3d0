"""XGBoost and LightGBM files whose trees hold out-of-range indices are refused before the library walks them.

Each hostile file is an honest model's file with one value changed (for LightGBM, with its
``tree_sizes`` header rewritten to match, as a crafted file would be). Unchecked, XGBoost and
LightGBM load such files and then crash, hang or read outside the model when they predict
(``test_what_the_checks_prevent_is_real``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from analysis._errors import InputError
from analysis.loading import load_model
from tests._boosting_fixtures import make_frame, train

NUMERIC = ["x1", "x2", "x3"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Honest files: XGBoost binary (numeric), multiclass and categorical; LightGBM the same."""
    pytest.importorskip("xgboost")
    pytest.importorskip("lightgbm")
    folder = tmp_path_factory.mktemp("boosters")
    X, targets = make_frame()
    out = {}
    for library in ("xgboost", "lightgbm"):
        out[f"{library}_binary"] = train(library, "binary", X[NUMERIC], targets["binary"], folder)[1]
        out[f"{library}_multiclass"] = train(library, "multiclass", X[NUMERIC], targets["multiclass"], folder)[1]
        out[f"{library}_categorical"] = train(library, "binary", X, targets["binary"], folder, name=f"{library}_cat")[1]
    return out


def _refused(path: Path, library: str, *expected: str) -> str:
    with pytest.raises(InputError) as info:
        load_model(path)
    message = str(info.value)
    assert message.startswith(f"model file {path} is not a valid {library} model: ")
    assert "follows a model's indices without checking them" in message and "\n" not in message
    for part in expected:
        assert part in message
    return message


# ---- XGBoost ---------------------------------------------------------------------------------
def _xgb(source: Path, tmp_path: Path, edit) -> Path:
    model = json.loads(source.read_text())
    edit(model["learner"]["gradient_booster"]["model"])
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(model))
    return path


def _first_split(tree: dict) -> int:
    return next(i for i, c in enumerate(tree["left_children"]) if c != -1)


def test_honest_xgboost_and_lightgbm_files_load(models):
    for path in models.values():
        assert load_model(path).model.n_trees > 0


def test_xgboost_split_on_a_feature_outside_the_model(models, tmp_path):
    def edit(m):
        m["trees"][2]["split_indices"][_first_split(m["trees"][2])] = 10**8

    path = _xgb(models["xgboost_binary"], tmp_path, edit)
    _refused(path, "XGBoost", "tree 2: a split reads feature 100000000, outside its 3 features")


def test_xgboost_child_outside_the_tree(models, tmp_path):
    def edit(m):
        m["trees"][0]["right_children"][0] = 10**8

    _refused(_xgb(models["xgboost_binary"], tmp_path, edit), "XGBoost", "tree 0: node 0's right child is 100000000")


def test_xgboost_child_pointing_back_to_the_root(models, tmp_path):
    def edit(m):
        tree = m["trees"][1]
        last = max(i for i, c in enumerate(tree["left_children"]) if c != -1)
        tree["left_children"][last] = 0

    _refused(
        _xgb(models["xgboost_binary"], tmp_path, edit), "XGBoost", "left child is 0, not a node other than the root"
    )


def test_xgboost_node_with_two_parents(models, tmp_path):
    def edit(m):
        tree = m["trees"][0]
        tree["left_children"][0] = tree["right_children"][0]

    _refused(_xgb(models["xgboost_binary"], tmp_path, edit), "XGBoost", "tree 0: a node is the child of two nodes")


def test_xgboost_tree_writing_to_a_class_the_model_does_not_have(models, tmp_path):
    def edit(m):
        m["tree_info"][4] = 7

    _refused(_xgb(models["xgboost_multiclass"], tmp_path, edit), "XGBoost", "output groups (tree_info)")


def test_xgboost_categorical_split_reading_past_its_categories(models, tmp_path):
    def edit(m):
        tree = next(t for t in m["trees"] if t["categories_nodes"])
        tree["categories_sizes"][0] = len(tree["categories"]) + 5

    _refused(_xgb(models["xgboost_categorical"], tmp_path, edit), "XGBoost", "categories are outside its list")


# ---- LightGBM --------------------------------------------------------------------------------
def _lgb(source: Path, tmp_path: Path, tree: int, key: str, edit, *, sizes: bool = True) -> Path:
    """Change field ``key`` of tree ``tree`` (``edit(list of str) -> list of str``), fix ``tree_sizes``."""
    text = source.read_text()
    first = text.index("\nTree=0\n") + 1
    head, rest = text[:first], text[first:]
    body, tail = rest.split("end of trees", 1)
    blocks = [b for b in re.split(r"(?m)^(?=Tree=\d+\s*$)", body) if b]
    lines = blocks[tree].split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{key}="))
    lines[at] = f"{key}=" + " ".join(edit(lines[at].split("=", 1)[1].split()))
    blocks[tree] = "\n".join(lines)
    if sizes:
        head = re.sub(r"(?m)^tree_sizes=.*$", "tree_sizes=" + " ".join(str(len(b.encode())) for b in blocks), head)
    path = tmp_path / "hostile.txt"
    path.write_text(head + "".join(blocks) + "end of trees" + tail)
    return path


def _set(index: int, value) -> callable:
    def edit(values: list[str]) -> list[str]:
        values[index] = str(value)
        return values

    return edit


def test_lightgbm_split_on_a_feature_outside_the_model(models, tmp_path):
    path = _lgb(models["lightgbm_binary"], tmp_path, 3, "split_feature", _set(0, 10**8))
    _refused(path, "LightGBM", "tree 3: a split reads feature 100000000, outside its 3 features")


def test_lightgbm_child_outside_the_tree(models, tmp_path):
    path = _lgb(models["lightgbm_binary"], tmp_path, 0, "right_child", _set(0, 10**5))
    _refused(path, "LightGBM", "tree 0: node 0's right child is 100000, not a later node or a leaf")


def test_lightgbm_child_pointing_back_up_the_tree(models, tmp_path):
    """LightGBM itself walks this forever (a hung process)."""
    path = _lgb(models["lightgbm_binary"], tmp_path, 0, "right_child", _set(0, 0))
    _refused(path, "LightGBM", "node 0's right child is 0, not a later node")


def test_lightgbm_leaf_with_two_parents(models, tmp_path):
    path = _lgb(models["lightgbm_binary"], tmp_path, 1, "left_child", lambda v: ["-1"] * len(v))
    _refused(path, "LightGBM", "tree 1: a node is the child of two nodes")


def test_lightgbm_field_shorter_than_its_tree(models, tmp_path):
    """A count LightGBM does not expect: it throws inside a parsing thread and the process aborts."""
    path = _lgb(models["lightgbm_binary"], tmp_path, 2, "leaf_value", lambda v: v[:-1])
    _refused(path, "LightGBM", "tree 2: leaf_value holds")


def test_lightgbm_tree_sizes_past_the_end_of_the_file(models, tmp_path):
    text = models["lightgbm_binary"].read_text()
    path = tmp_path / "hostile.txt"
    path.write_text(re.sub(r"(?m)^tree_sizes=(\d+)", "tree_sizes=99999999", text))
    _refused(path, "LightGBM", "tree 0's size in tree_sizes (99999999) runs past the end of the file")


def test_lightgbm_categorical_split_naming_a_missing_category_list(models, tmp_path):
    source = models["lightgbm_categorical"]
    text = source.read_text()
    tree = next(i for i, b in enumerate(re.split(r"(?m)^Tree=\d+\s*$", text)[1:]) if "num_cat=0" not in b)
    block = re.split(r"(?m)^Tree=\d+\s*$", text)[1:][tree]
    decisions = re.search(r"(?m)^decision_type=(.*)$", block).group(1).split()
    node = next(i for i, d in enumerate(decisions) if int(d) & 1)
    path = _lgb(source, tmp_path, tree, "threshold", _set(node, 50))
    _refused(path, "LightGBM", f"tree {tree}: a categorical split names a category list outside its")


def test_lightgbm_linear_trees_are_refused_with_a_reason(models, tmp_path):
    path = _lgb(models["lightgbm_binary"], tmp_path, 0, "is_linear", lambda v: ["1"])
    _refused(path, "LightGBM", "tree 0: it is a linear tree (is_linear=1), which Tradeoffs does not read")


def test_lightgbm_file_without_tree_sizes_is_read_tree_by_tree(models, tmp_path):
    text = models["lightgbm_binary"].read_text()
    plain = tmp_path / "plain.txt"
    plain.write_text(re.sub(r"(?m)^tree_sizes=.*\n", "", text))
    assert load_model(plain).model.n_trees > 0
    path = _lgb(plain, tmp_path, 4, "split_feature", _set(0, 3), sizes=False)
    _refused(path, "LightGBM", "tree 4: a split reads feature 3, outside its 3 features")


# ---- what the checks prevent ------------------------------------------------------------------
_RAW = {
    "xgboost": (
        "import xgboost as x; m = x.Booster(model_file={path!r}); "
        "print(m.predict(x.DMatrix(rows, feature_names=m.feature_names)))"
    ),
    "lightgbm": "import lightgbm as l; m = l.Booster(model_file={path!r}); print(m.predict(rows))",
}


def _raw(library: str, path: Path, timeout: float = 60):
    script = "import numpy as np; rows = np.random.default_rng(0).normal(size=(40, 3))\n"
    script += _RAW[library].format(path=str(path)) + "\nprint('predicted')"
    try:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def test_what_the_checks_prevent_is_real(models, tmp_path):
    """Without the checks: XGBoost and LightGBM crash on an out-of-range feature (SIGSEGV)."""
    xgb = _xgb(models["xgboost_binary"], tmp_path, lambda m: m["trees"][0]["split_indices"].__setitem__(0, 10**9))
    done = _raw("xgboost", xgb)
    assert done is not None and done.returncode < 0 and b"predicted" not in done.stdout
    (tmp_path / "x").mkdir()
    lgb = _lgb(models["lightgbm_binary"], tmp_path / "x", 0, "split_feature", _set(0, 10**9))
    done = _raw("lightgbm", lgb)
    assert done is not None and done.returncode < 0 and b"predicted" not in done.stdout
    for path, library in ((xgb, "XGBoost"), (lgb, "LightGBM")):
        _refused(path, library, "a split reads feature 1000000000")


def test_catboost_files_that_crash_catboosts_loader_are_refused(tmp_path):
    """Damaged .cbm files: one reads, one CatBoost's verifier refuses, one crashes CatBoost's loader (SIGSEGV).

    The loader runs first in a child process (``_catboost_canary``), so the crash refuses the file
    instead of ending the process that loads it.
    """
    pytest.importorskip("catboost")
    X, targets = make_frame()
    _, path = train("catboost", "binary", X[NUMERIC], targets["binary"], tmp_path)
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(3)
    files = []
    for k in range(8):  # the same draws as when these three were found; only files 1, 6 and 7 are loaded
        damaged = bytearray(data)
        for i in rng.integers(8, len(damaged), size=3):
            damaged[int(i)] = int(rng.integers(0, 256))
        if k in (1, 6, 7):
            files.append(tmp_path / f"damaged{k}.cbm")
            files[-1].write_bytes(bytes(damaged))
    script = textwrap.dedent(
        f"""
        import numpy as np
        from analysis.loading import load_model
        for path in {[str(f) for f in files]!r}:
            try:
                model = load_model(path).model
            except Exception as exc:
                print("refused:", str(exc).replace(path, "FILE")[:160])
                continue
            model.predict(np.random.default_rng(0).normal(size=(20, 3)))
            print("predicted")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-500:]
    lines = done.stdout.decode().splitlines()
    assert lines[0] == "predicted"
    assert lines[1].startswith("refused: model file FILE is not a valid CatBoost model (")
    assert "verification failed" in lines[1]
    assert lines[2].startswith(
        "refused: model file FILE is not a valid CatBoost model: CatBoost crashed reading it (signal"
    )


def test_the_ubjson_reader_reads_what_xgboost_wrote_as_json(models, tmp_path):
    """The same model saved as .json and .ubj reads to the same trees; a cut .ubj is one sentence."""
    import xgboost

    from analysis.loading._booster_structure import read_xgboost_model

    booster = xgboost.Booster(model_file=str(models["xgboost_categorical"]))
    ubj = tmp_path / "model.ubj"
    booster.save_model(str(ubj))
    from_json = read_xgboost_model(models["xgboost_categorical"].read_bytes())["learner"]
    from_ubj = read_xgboost_model(ubj.read_bytes())["learner"]
    trees = [m["gradient_booster"]["model"]["trees"] for m in (from_json, from_ubj)]
    assert len(trees[0]) == len(trees[1]) > 0
    for a, b in zip(*trees, strict=True):
        for key in ("left_children", "right_children", "split_indices", "categories", "categories_nodes"):
            np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]))
    cut = tmp_path / "cut.ubj"
    cut.write_bytes(ubj.read_bytes()[: ubj.stat().st_size // 2])
    _refused(cut, "XGBoost", "its UBJSON ends in the middle of a value")


# ---- found by a second adversarial review ---------------------------------------------------------
def test_xgboost_parent_outside_the_tree(models, tmp_path):
    """XGBoost's loader itself follows every node's parent (SIGSEGV while loading)."""

    def edit(m):
        m["trees"][0]["parents"][1] = 10**9

    _refused(_xgb(models["xgboost_binary"], tmp_path, edit), "XGBoost", "tree 0: a node's parent is outside its")


def test_xgboost_categorical_lists_naming_other_nodes(models, tmp_path):
    def edit(m):
        tree = next(t for t in m["trees"] if t["categories_nodes"])
        leaf = next(i for i, c in enumerate(tree["left_children"]) if c == -1)
        tree["categories_nodes"][0] = leaf

    path = _xgb(models["xgboost_categorical"], tmp_path, edit)
    _refused(path, "XGBoost", "its categorical splits and the nodes its category lists name differ")


def test_xgboost_category_table_positions_outside_a_feature(models, tmp_path):
    def edit(m):
        m["cats"]["sorted_idx"][0] = 10**9

    path = _xgb(models["xgboost_categorical"], tmp_path, edit)
    _refused(path, "XGBoost", "its category table (cats): feature 3's sorted positions are outside")


def test_xgboost_multi_target_tree_in_a_single_output_model(models, tmp_path):
    def edit(m):
        m["trees"][0]["tree_param"]["size_leaf_vector"] = "5000"

    path = _xgb(models["xgboost_binary"], tmp_path, edit)
    _refused(path, "XGBoost", "tree 0: it is a multi-target tree (5000 values per leaf)")


def _xgb_chain(source: Path, tmp_path: Path, depth: int, category: int | None = None) -> Path:
    """Tree 0 replaced by a chain ``depth`` splits deep (each split on a category when ``category``)."""

    def edit(m):
        tree = m["trees"][0]
        n = 2 * depth + 1
        left, right, parents = [-1] * n, [-1] * n, [2147483647] * n
        for k in range(depth):
            left[k], right[k] = depth + k, (k + 1 if k < depth - 1 else 2 * depth)
            parents[depth + k], parents[right[k]] = k, k
        typed = category is not None
        tree.update(
            left_children=left,
            right_children=right,
            parents=parents,
            split_indices=[0] * n,
            split_conditions=[0.0] * n,
            default_left=[0] * n,
            base_weights=[0.0] * n,
            loss_changes=[0.0] * n,
            sum_hessian=[1.0] * n,
            split_type=[1 if typed and k < depth else 0 for k in range(n)],
            categories=[category] * depth if typed else [],
            categories_nodes=list(range(depth)) if typed else [],
            categories_segments=list(range(depth)) if typed else [],
            categories_sizes=[1] * depth if typed else [],
        )
        tree["tree_param"]["num_nodes"] = str(n)

    return _xgb(source, tmp_path, edit)


def test_xgboost_tree_too_deep_for_the_librarys_recursion(models, tmp_path):
    """A chain 300,000 deep overflowed XGBoost's recursive depth walk at predict (SIGSEGV)."""
    _refused(_xgb_chain(models["xgboost_binary"], tmp_path, 600), "XGBoost", "tree 0: it is 600 levels deep")


def test_xgboost_categorical_bitsets_that_would_take_gigabytes(models, tmp_path):
    """Each split naming category 2**24 - 1 costs XGBoost 2 MB at load: a 114 kB file took 2.3 GB."""
    path = _xgb_chain(models["xgboost_categorical"], tmp_path, 40, category=2**24 - 1)
    _refused(path, "XGBoost", "its categorical splits' bitsets would take 83,886,")


def _lgb_text(source: Path, tmp_path: Path, old: str, new: str, name: str = "hostile.txt") -> Path:
    """``source`` without its ``tree_sizes`` header (LightGBM then reads tree by tree), ``old`` -> ``new`` once."""
    text = re.sub(r"(?m)^tree_sizes=.*\n", "", source.read_text())
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def test_lightgbm_lines_read_otherwise_by_lightgbm_are_refused(models, tmp_path):
    """LightGBM keeps keys as written, the last of a repeated key, and stops a tree at a blank line."""
    source = models["lightgbm_binary"]
    edits = {
        "a key with spaces": ("\nleft_child=", "\nleft_child ="),
        "num_leaves is given twice": ("\nshrinkage=", "\nnum_leaves=2\nshrinkage="),
        "it has no leaf_value": ("\nleaf_value=", "\n\nleaf_value="),
        "its header: a key with spaces": ("\nmax_feature_idx=", "\nmax_feature_idx ="),
    }
    for i, (expected, (old, new)) in enumerate(edits.items()):
        _refused(_lgb_text(source, tmp_path, old, new, f"{i}.txt"), "LightGBM", expected)


def test_lightgbm_header_counts_that_disagree(models, tmp_path):
    path = _lgb_text(models["lightgbm_binary"], tmp_path, "num_tree_per_iteration=1", "num_tree_per_iteration=5")
    _refused(path, "LightGBM", "its header: num_class 1 and num_tree_per_iteration 5 disagree")


def test_honest_lightgbm_stumps_and_random_forests_load(tmp_path):
    lightgbm = pytest.importorskip("lightgbm")
    X, targets = make_frame()
    data = lightgbm.Dataset(X[NUMERIC], targets["binary"])
    stump = lightgbm.train({"objective": "binary", "verbose": -1, "min_data_in_leaf": 1000}, data, 3)
    forest = lightgbm.train(
        {"objective": "binary", "verbose": -1, "boosting": "rf", "bagging_fraction": 0.7, "bagging_freq": 1},
        lightgbm.Dataset(X[NUMERIC], targets["binary"]),
        5,
    )
    for name, booster in (("stump", stump), ("forest", forest)):
        path = tmp_path / f"{name}.txt"
        booster.save_model(str(path))
        loaded = load_model(path).model
        np.testing.assert_allclose(loaded.predict_proba(X[NUMERIC])[:, 1], booster.predict(X[NUMERIC]), rtol=1e-9)
