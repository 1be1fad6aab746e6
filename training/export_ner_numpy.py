"""Export the shipped spaCy NER model's weights and tables for ``screening.ner_numpy`` (no spaCy at run time).

    python training/export_ner_numpy.py

Reads ``screening/models/zh_pii_ner`` with spaCy and writes ``screening/models/zh_pii_ner/numpy.npz``: the two
hash-embedding tables and their seeds, the embedding maxout and the four window-encoder maxouts with their layer
norms, the NER's projection (linear), precomputed lower layer (W, b, pad) and upper layer, the action names in
the model's class order, the unseen-class mask, spaCy's norm exceptions (``BASE_NORMS``) and the reserved symbol
ids of its string store (a norm or shape string that is a symbol, such as ``X``, is not hashed). Run it again
whenever the model is retrained; ``tests/test_ner_numpy.py`` checks the export against spaCy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from screening import ner_model  # noqa: E402

OUT_NAME = "numpy.npz"


def export(model_dir: Path | None = None) -> Path:
    import spacy
    from spacy.lang.norm_exceptions import BASE_NORMS
    from spacy.symbols import IDS

    model_dir = model_dir or ner_model.MODEL_DIR
    nlp = spacy.load(model_dir)
    assert nlp.pipe_names == ["tok2vec", "ner"], nlp.pipe_names
    t2v = nlp.get_pipe("tok2vec").model
    ner = nlp.get_pipe("ner")
    out: dict[str, np.ndarray] = {}

    hashembeds = [n for n in t2v.walk() if n.name == "hashembed"]
    assert [n.attrs["column"] for n in hashembeds] == [0, 1]
    for name, node in zip(("norm", "shape"), hashembeds, strict=True):
        out[f"{name}_E"] = node.get_param("E")
        out[f"{name}_seed"] = np.array(node.attrs["seed"], dtype=np.uint32)
    maxouts = [n for n in t2v.walk() if n.name == "maxout"]
    norms = [n for n in t2v.walk() if n.name == "layernorm"]
    windows = [n for n in t2v.walk() if n.name == "expand_window"]
    assert len(maxouts) == len(norms) == 5 and len(windows) == 4
    assert all(n.attrs["window_size"] == 1 for n in windows)
    pads = [n.attrs["pad"] for n in t2v.walk() if n.name.startswith("with_array(residual")]
    assert pads == [4], pads
    for i, (mx, ln) in enumerate(zip(maxouts, norms, strict=True)):
        out[f"maxout{i}_W"] = mx.get_param("W")
        out[f"maxout{i}_b"] = mx.get_param("b")
        out[f"ln{i}_G"] = ln.get_param("G")
        out[f"ln{i}_b"] = ln.get_param("b")

    model = ner.model
    assert model.attrs["has_upper"]
    lower = model.get_ref("lower")
    upper = model.get_ref("upper")
    proj = model.get_ref("tok2vec").layers[-1]
    assert proj.name == "linear"
    out["proj_W"], out["proj_b"] = proj.get_param("W"), proj.get_param("b")
    out["lower_W"], out["lower_b"], out["lower_pad"] = (lower.get_param(k) for k in ("W", "b", "pad"))
    out["upper_W"], out["upper_b"] = upper.get_param("W"), upper.get_param("b")
    assert lower.get_dim("nF") == 3 and ner.cfg["beam_width"] == 1

    n_moves = ner.moves.n_moves
    names = [ner.moves.get_class_name(i) for i in range(n_moves)]
    out["moves"] = np.array(names)
    mask = np.ones(n_moves, dtype=np.float32)
    for c in model.attrs.get("unseen_classes", ()):
        mask[c] = 0
    out["seen_classes"] = mask
    out["base_norms"] = np.array(json.dumps(BASE_NORMS, ensure_ascii=False))
    out["symbols"] = np.array(json.dumps(IDS, ensure_ascii=False))
    path = model_dir / OUT_NAME
    np.savez(path, **out)  # uncompressed: loads faster, and floats hardly compress
    return path


if __name__ == "__main__":
    print(export())
