"""The shipped NER model (``screening/models/zh_pii_ner``) run in numpy alone: no spaCy import, no ``Doc`` objects.

An exact re-implementation of the model's inference, on the weights ``training/export_ner_numpy.py`` exports to
``numpy.npz`` in the model folder. :func:`model_spans` gives, per text, what
``[(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]`` gives with the spaCy pipeline
(``tests/test_ner_numpy.py`` checks they are equal). The steps, each as spaCy and thinc do them:

* tokens (``spacy.zh.ChineseTokenizer``, segmenter ``char``, then ``spacy.util.get_words_and_spaces``): every
  non-whitespace character is a token; one space after a token is its trailing space, any other whitespace run
  (a leading one, a second space, a newline) is a token of its own;
* features: the NORM (spaCy's norm exceptions, else the lower-cased text) and SHAPE (``word_shape``) strings, as
  string-store ids (64-bit MurmurHash2 ``MurmurHash64A`` with seed 1 of the UTF-8 bytes, or a reserved symbol id
  such as ``X``), hashed by thinc's ``HashEmbed`` into 4 rows of each table, summed in order;
* ``Tok2Vec``: maxout (3 pieces) + layer norm over the two embeddings, then 4 residual window-1 maxout + layer
  norm layers over all texts of a batch concatenated with 4 zero rows around each (thinc's ``with_array(pad=4)``:
  the padding rows evolve through the layers as spaCy's do);
* the NER (``TransitionBasedParser.v2``): a linear projection, the precomputed lower layer for 3 state
  features (next token, first token of the open entity, previous token; the ``pad`` vector where there is none),
  maxout over 2 pieces, the upper layer to 14 action scores; the best valid BILUO action (first on ties), all
  texts of a batch stepping together.

Exactness is bit for bit, not just the same spans: the encoder's output equals ``doc.tensor``. That takes the
same matrix products on the same shapes: numpy's (OpenBLAS), as :func:`screening.ner_model._numpy_matmul` makes
spaCy's, over batches of :data:`BATCH_SIZE` texts as ``nlp.pipe`` makes them, padding rows included (OpenBLAS's
last bits for a row change with the number of rows and with the order of the weight rows). The upper layer,
which spaCy's parser multiplies with BLIS inside its Cython loop, is multiplied with ``blis`` (it comes with
thinc; numpy's product differs in the last bit) whose rows do not depend on the batch, so all texts of
:data:`PARSE_BATCH` step together. Tokens' summed embeddings are cached per distinct string.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from screening.once import once

NPZ_NAME = "numpy.npz"
MODEL_DIR = Path(__file__).resolve().parent / "models" / "zh_pii_ner"
BATCH_SIZE = 256
"""Texts per batch: the same as ``screening.ner_model.BATCH_SIZE`` (``nlp.pipe``)."""
PARSE_BATCH = 1024
"""Texts whose transition loops step together (fewer, larger numpy steps; the encoder keeps to :data:`BATCH_SIZE`,
whose matrices stay in the cache)."""
PAD = 4
"""Zero rows around each text in the window encoder (window 1 × depth 4: thinc's ``with_array(pad=4)``)."""

_MASK64 = (1 << 64) - 1
_WS_CHARS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""The characters ``str.isspace`` holds (``tests/test_ner_numpy.py`` checks): the segmenter's whitespace."""
_WS_RUN = re.compile(f"[{_WS_CHARS}]+")

_B, _I, _L, _U, _O = range(5)


def _murmurhash64a(data: bytes, seed: int = 1) -> int:
    """``MurmurHash64A`` (murmurhash's ``hash64``, what spaCy's string store hashes strings with)."""
    m = 0xC6A4A7935BD1E995
    n = len(data)
    h = (seed ^ (n * m)) & _MASK64
    end = n - n % 8
    for i in range(0, end, 8):
        k = int.from_bytes(data[i : i + 8], "little")
        k = (k * m) & _MASK64
        k ^= k >> 47
        k = (k * m) & _MASK64
        h ^= k
        h = (h * m) & _MASK64
    if n % 8:
        h ^= int.from_bytes(data[end:], "little")
        h = (h * m) & _MASK64
    h ^= h >> 47
    h = (h * m) & _MASK64
    h ^= h >> 47
    return h


def _hash_embed_keys(key: int, seed: int) -> tuple[int, int, int, int]:
    """thinc's ``MurmurHash3_x86_128_uint64`` of a 64-bit id: the 4 32-bit keys ``HashEmbed`` reads rows with."""
    h1 = (key * 0x87C37B91114253D5) & _MASK64
    h1 = ((h1 << 31) | (h1 >> 33)) & _MASK64
    h1 = (h1 * 0x4CF5AD432745937F) & _MASK64
    h1 ^= seed
    h1 ^= 8
    h2 = seed ^ 8
    h1 = (h1 + h2) & _MASK64
    h2 = (h2 + h1) & _MASK64

    def fmix(h: int) -> int:
        h ^= h >> 33
        h = (h * 0xFF51AFD7ED558CCD) & _MASK64
        h ^= h >> 33
        h = (h * 0xC4CEB9FE1A85EC53) & _MASK64
        return h ^ (h >> 33)

    h1, h2 = fmix(h1), fmix(h2)
    h1 = (h1 + h2) & _MASK64
    h2 = (h2 + h1) & _MASK64
    return h1 & 0xFFFFFFFF, h1 >> 32, h2 & 0xFFFFFFFF, h2 >> 32


def word_shape(text: str) -> str:
    """spaCy's ``spacy.lang.lex_attrs.word_shape``."""
    if len(text) >= 100:
        return "LONG"
    shape = []
    last = ""
    seq = 0
    for char in text:
        if char.isalpha():
            shape_char = "X" if char.isupper() else "x"
        elif char.isdigit():
            shape_char = "d"
        else:
            shape_char = char
        if shape_char == last:
            seq += 1
        else:
            seq = 0
            last = shape_char
        if seq < 4:
            shape.append(shape_char)
    return "".join(shape)


def tokens(text: str) -> tuple[list[str], list[int]]:
    """The tokens of ``text`` and their character offsets, as the ``char`` segmenter makes them."""
    if _WS_RUN.search(text) is None:
        return list(text), list(range(len(text)))
    words: list[str] = []
    starts: list[int] = []
    pos = 0
    for m in _WS_RUN.finditer(text):
        s, e = m.span()
        words.extend(text[pos:s])
        starts.extend(range(pos, s))
        if s > 0 and text[s] == " ":  # the trailing space of the token before
            s += 1
        if s < e:
            words.append(text[s:e])
            starts.append(s)
        pos = e
    words.extend(text[pos:])
    starts.extend(range(pos, len(text)))
    return words, starts


class NumpyNer:
    """The model's weights and the per-string feature cache; :meth:`spans` runs it."""

    def __init__(self, path: Path | None = None) -> None:
        with np.load(path or MODEL_DIR / NPZ_NAME) as z:
            w: dict[str, Any] = {k: z[k] for k in z.files}
        self._norm_E = w["norm_E"]
        self._shape_E = w["shape_E"]
        self._seeds = (int(w["norm_seed"]), int(w["shape_seed"]))
        self._maxouts = []
        for i in range(5):
            W = w[f"maxout{i}_W"]
            nO, nP, nI = W.shape
            # thinc's layout (output-major, pieces innermost): reordering the rows changes OpenBLAS's last bits
            Wr = W.reshape(nO * nP, nI)
            br = w[f"maxout{i}_b"].reshape(nO * nP)
            self._maxouts.append((Wr, br, nO, nP, w[f"ln{i}_G"], w[f"ln{i}_b"]))
        self._proj_W, self._proj_b = w["proj_W"], w["proj_b"]
        lw = w["lower_W"]
        self._nF, nO, nP, nI = lw.shape
        self._lower_W = lw.reshape(self._nF * nO * nP, nI)
        self._lower_pad = w["lower_pad"].reshape(self._nF, nO * nP)
        self._lower_b = w["lower_b"].reshape(nO * nP)
        self._nH, self._nPh = nO, nP
        self._upper_W, self._upper_b = w["upper_W"], w["upper_b"]
        self._seen = w["seen_classes"].astype(bool)
        self._base_norms: dict[str, str] = json.loads(str(w["base_norms"]))
        self._symbols: dict[str, int] = json.loads(str(w["symbols"]))
        self._build_moves([str(m) for m in w["moves"]])
        # per distinct token string: a row of the summed embeddings (norm then shape) and whether it is whitespace
        self._ids: dict[str, int] = {}
        self._embed = np.zeros((0, self._norm_E.shape[1] + self._shape_E.shape[1]), dtype=np.float32)
        self._space = np.zeros(0, dtype=bool)
        self._gemm = _blis_gemm()
        self._lock = threading.Lock()

    def _build_moves(self, names: list[str]) -> None:
        types = {"B": _B, "I": _I, "L": _L, "U": _U}
        labels: list[str] = []
        self._move_type = np.empty(len(names), dtype=np.int8)
        self._move_label = np.full(len(names), -1, dtype=np.int32)
        for c, name in enumerate(names):
            if name == "O":
                self._move_type[c] = _O
                continue
            kind, _, label = name.partition("-")
            self._move_type[c] = types[kind]
            if label:
                if label not in labels:
                    labels.append(label)
                self._move_label[c] = labels.index(label)
        self.labels = tuple(labels)
        # valid[state, is_space, buffer >= 2] -> which classes are valid; state 0: no entity open, 1 + l: label l
        # open (ner.pyx's is_valid without preset entities or sentence starts)
        valid = np.zeros((len(labels) + 1, 2, 2, len(names)), dtype=bool)
        has_label = self._move_label >= 0
        for space in (0, 1):
            for more in (0, 1):
                valid[0, space, more] = (self._move_type == _O) | (
                    has_label & ~bool(space) & ((self._move_type == _U) | ((self._move_type == _B) & bool(more)))
                )
                for lab in range(len(labels)):
                    same = self._move_label == lab
                    valid[1 + lab, space, more] = same & (
                        (self._move_type == _L) | ((self._move_type == _I) & bool(more))
                    )
        self._valid = valid

    # -- features ---------------------------------------------------------------------------------------

    def _string_id(self, s: str) -> int:
        if not s:
            return 0
        sym = self._symbols.get(s)
        return sym if sym is not None else _murmurhash64a(s.encode("utf8"))

    def _add_strings(self, new: list[str]) -> None:
        rows = np.empty((len(new), self._embed.shape[1]), dtype=np.float32)
        nN = self._norm_E.shape[1]
        for r, s in enumerate(new):
            norm = self._base_norms.get(s)
            if norm is None:
                norm = s.lower()
            for E, seed, value, cols in (
                (self._norm_E, self._seeds[0], norm, slice(0, nN)),
                (self._shape_E, self._seeds[1], word_shape(s), slice(nN, None)),
            ):
                keys = [k % E.shape[0] for k in _hash_embed_keys(self._string_id(value), seed)]
                acc = np.zeros(E.shape[1], dtype=np.float32)
                for k in keys:  # thinc's gather_add: one row after the other
                    acc += E[k]
                rows[r, cols] = acc
        first = len(self._ids)
        for r, s in enumerate(new):
            self._ids[s] = first + r
        self._embed = np.concatenate([self._embed, rows])
        self._space = np.concatenate([self._space, np.array([s.isspace() for s in new], dtype=bool)])

    def _token_ids(self, words: list[str]) -> np.ndarray:
        get = self._ids.get
        ids = [get(w, -1) for w in words]
        if -1 in ids:
            with self._lock:
                new = list(dict.fromkeys(w for w, i in zip(words, ids, strict=True) if i == -1 and w not in self._ids))
                if new:
                    self._add_strings(new)
            ids = [self._ids[w] for w in words]
        return np.array(ids, dtype=np.intp)

    # -- layers -----------------------------------------------------------------------------------------

    @staticmethod
    def _maxout_ln(X: np.ndarray, layer: tuple[Any, ...], buf: np.ndarray | None = None) -> np.ndarray:
        """thinc's ``Maxout`` then ``LayerNorm``, bit for bit (``LayerNorm`` takes ``X.mean`` and ``X.var``, which
        numpy computes as the row sum divided by the width, then the squared deviations' row sum likewise: done
        here once, with the deviations reused for the normalisation)."""
        W, b, nO, nP, G, gb = layer
        Y = np.dot(X, W.T, out=buf)  # (the same product whether numpy allocates the result or not)
        Y += b
        x = _max_pieces(Y, nO, nP)
        n = np.intp(nO)
        mu = np.add.reduce(x, axis=1, keepdims=True)
        np.true_divide(mu, n, out=mu, casting="unsafe")
        x -= mu
        var = np.add.reduce(np.square(x), axis=1, keepdims=True)
        np.true_divide(var, n, out=var, casting="unsafe")
        var += 1e-08
        x *= var ** (-1.0 / 2.0)
        x *= G
        x += gb
        return x

    def _tok2vec(self, ids: np.ndarray, lengths: list[int]) -> np.ndarray:
        X = self._maxout_ln(self._embed[ids], self._maxouts[0])
        width = X.shape[1]
        nonempty = [n for n in lengths if n]
        total = sum(nonempty) + PAD * (len(nonempty) + 1)
        H = np.zeros((total, width), dtype=np.float32)
        rows = np.empty(len(X), dtype=np.intp)
        at, src = PAD, 0
        for n in nonempty:
            rows[src : src + n] = np.arange(at, at + n)
            at += n + PAD
            src += n
        H[rows] = X
        cols = np.empty((total, 3 * width), dtype=np.float32)  # thinc's seq2col, window 1
        cols[0, :width] = 0
        cols[-1, 2 * width :] = 0
        buf = np.empty((total, self._maxouts[1][0].shape[0]), dtype=np.float32)
        for layer in self._maxouts[1:]:
            cols[1:, :width] = H[:-1]
            cols[:, width : 2 * width] = H
            cols[:-1, 2 * width :] = H[1:]
            H += self._maxout_ln(cols, layer, buf)
        return H[rows]

    # -- the transition-based NER -------------------------------------------------------------------------

    def _lower(self, T: np.ndarray, out: np.ndarray) -> None:
        """The NER's projection and precomputed lower layer for one encoder batch's tokens, into ``out`` (rows),
        as spaCy's ``precompute_hiddens`` computes them: one product per batch."""
        P = np.dot(T, self._proj_W.T)
        P += self._proj_b
        np.dot(P, self._lower_W.T, out=out)

    def _parse(
        self, Yf: np.ndarray, lengths: list[int], spaces: np.ndarray, batch_size: int
    ) -> list[list[tuple[int, int, str]]]:
        """The greedy transition loop over all texts at once; ``Yf`` is the padding row then :meth:`_lower`'s
        rows for every token."""
        Yf = Yf.reshape(Yf.shape[0], self._nF, Yf.shape[1] // self._nF)
        out: list[list[tuple[int, int, str]]] = [[] for _ in lengths]
        offsets = np.cumsum([0, *lengths[:-1]]).astype(np.intp)
        docs = np.array([i for i, n in enumerate(lengths) if n], dtype=np.intp)
        length = np.array(lengths, dtype=np.intp)[docs]
        offset = offsets[docs]
        b = np.zeros(len(docs), dtype=np.intp)
        ent_start = np.full(len(docs), -1, dtype=np.intp)
        state = np.zeros(len(docs), dtype=np.intp)  # 0: no entity open, 1 + label: that label open
        labels = self.labels
        all_seen = bool(self._seen.all())
        while len(docs):
            b0 = offset + b
            is_open = state > 0
            f0 = Yf[b0 + 1, 0]
            f1 = Yf[np.where(is_open, offset + ent_start + 1, 0), 1]
            f2 = Yf[np.where(is_open, b0, 0), 2]
            u = f0 + f1
            u += f2
            u += self._lower_b
            hidden = _max_pieces(u, self._nH, self._nPh)
            scores = self._gemm(hidden, self._upper_W)
            scores += self._upper_b
            if not all_seen:  # spaCy sets unseen classes to the lowest score of the batch's unfinished texts
                batch = docs // batch_size
                first = np.flatnonzero(np.r_[True, batch[1:] != batch[:-1]])
                lowest = np.minimum.reduceat(scores.min(axis=1), first)
                scores[:, ~self._seen] = np.repeat(lowest, np.diff(np.r_[first, len(docs)]))[:, None]
            valid = self._valid[state, spaces[b0].astype(np.intp), (length - b >= 2).astype(np.intp)]
            guess = np.where(valid, scores, -np.inf).argmax(axis=1)
            kind = self._move_type[guess]
            label = self._move_label[guess]
            begin = kind == _B
            ent_start[begin] = b[begin]
            state[begin] = 1 + label[begin]
            for j in np.flatnonzero((kind == _U) | (kind == _L)):
                start = b[j] if kind[j] == _U else ent_start[j]
                out[docs[j]].append((int(start), int(b[j]) + 1, labels[label[j]]))
            last = kind == _L
            state[last] = 0
            ent_start[last] = -1
            b += 1
            live = b < length
            if not live.all():
                docs, length, offset, b, ent_start, state = (
                    a[live] for a in (docs, length, offset, b, ent_start, state)
                )
        return out

    # -- public ---------------------------------------------------------------------------------------

    def spans(
        self, texts: Sequence[str], batch_size: int = BATCH_SIZE, parse_batch: int = PARSE_BATCH
    ) -> list[list[tuple[int, int, str]]]:
        """Per text, the model's entities as (start character, end character exclusive, label): the encoder runs
        on ``batch_size`` texts at a time, the transition loop steps ``parse_batch`` texts together (rounded up to
        a multiple of ``batch_size``, so that the encoder's batches are ``nlp.pipe``'s)."""
        parse_batch = max(1, -(-parse_batch // batch_size)) * batch_size
        result: list[list[tuple[int, int, str]]] = []
        for i in range(0, len(texts), parse_batch):
            result.extend(self._group(texts[i : i + parse_batch], batch_size))
        return result

    def _group(self, texts: Sequence[str], batch_size: int) -> list[list[tuple[int, int, str]]]:
        words: list[str] = []
        starts: list[list[int]] = []
        lengths: list[int] = []
        for text in texts:
            w, s = tokens(text)
            words.extend(w)
            starts.append(s)
            lengths.append(len(w))
        if not words:
            return [[] for _ in texts]
        ids = self._token_ids(words)
        # the encoder and the lower layer batch by batch, as nlp.pipe does (their products' last bits depend on
        # the matrices' shapes); the transition loop over all
        Yf = np.empty((len(ids) + 1, self._lower_W.shape[0]), dtype=np.float32)
        Yf[0] = self._lower_pad.reshape(-1)
        at = 0
        for i in range(0, len(lengths), batch_size):
            chunk = lengths[i : i + batch_size]
            n = sum(chunk)
            if n:
                self._lower(self._tok2vec(ids[at : at + n], chunk), Yf[1 + at : 1 + at + n])
            at += n
        ents = self._parse(Yf, lengths, self._space[ids], batch_size)
        out: list[list[tuple[int, int, str]]] = []
        base = 0
        for doc_ents, s, n in zip(ents, starts, lengths, strict=True):
            out.append([(s[a], s[e - 1] + len(words[base + e - 1]), lab) for a, e, lab in doc_ents])
            base += n
        return out


def _max_pieces(Y: np.ndarray, nO: int, nP: int) -> np.ndarray:
    """Maxout: the largest of each output's ``nP`` pieces (``Y`` is (rows, nO * nP), pieces innermost); pairwise
    ``np.maximum`` on strided views is many times as fast as ``max(axis=2)`` over pieces this few."""
    Z = Y.reshape(Y.shape[0], nO, nP)
    best = np.maximum(Z[:, :, 0], Z[:, :, 1])
    for p in range(2, nP):
        np.maximum(best, Z[:, :, p], out=best)
    return best


def _blis_gemm() -> Any:
    """``A @ B.T`` as spaCy's parser computes its scores (BLIS ``sgemm``); numpy's product without blis."""
    try:
        from blis.py import gemm as blis_gemm
    except ImportError:  # pragma: no cover - blis comes with thinc, but this module does not need thinc
        return lambda A, B: np.dot(A, B.T)

    def gemm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        return blis_gemm(np.ascontiguousarray(A), B, trans2=True, beta=0.0)

    return gemm


@once
def load() -> NumpyNer:
    """The model, loaded once per process (thread-safe)."""
    return NumpyNer()


def model_spans(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """Per text, the model's entity spans ``(start, end, label)``: what spaCy's ``doc.ents`` give for it."""
    return load().spans(texts)
