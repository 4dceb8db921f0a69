"""Connectivity rules: which presynaptic neurons reach which postsynaptic ones (layer L2).

Every rule is a frozen dataclass with ``pairs(n_pre, n_post, rng, ...) -> (i, j, factor)``:
presynaptic indices, postsynaptic indices (sorted by ``i``) and an optional
per-synapse weight factor (``None`` means 1).  The pairs are drawn in numpy with
an explicit ``np.random.Generator``, so a circuit has the same synapses on every
Brian2 backend (Brian2's own ``connect(p=...)`` draws differently on runtime and
cpp_standalone).

Rules: :class:`AllToAll`, :class:`OneToOne`, :class:`Probability` (Bernoulli
with probability ``p``), :class:`FanIn` (every postsynaptic neuron receives
exactly ``k`` distinct inputs - convergence), :class:`FanOut` (every presynaptic
neuron contacts exactly ``k`` targets - divergence), :class:`Gaussian`
(distance-dependent: probability or weight ``p_max exp(-d^2 / 2 sigma^2)``) and
:class:`Explicit` (given index pairs); :class:`Blocks` repeats a rule on the
diagonal blocks (independent replicas for parameter sweeps in one network).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Connectivity", "AllToAll", "OneToOne", "Probability", "FanIn", "FanOut",
           "Gaussian", "Explicit", "Blocks"]

_CHUNK = 1 << 22  # matrix entries drawn at once


class Connectivity:
    """Base class of the connectivity rules (see the module docstring)."""

    def pairs(self, n_pre: int, n_post: int, rng: np.random.Generator, *,
              pre_positions=None, post_positions=None, same: bool = False, label: str = ""):
        raise NotImplementedError

    def describe(self) -> str:
        """Short text for legends and JSON settings."""
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items()
                           if not isinstance(v, np.ndarray))
        return f"{type(self).__name__}({fields})"


def _check_prob(owner: str, name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{owner}.{name}={value!r}: expected a probability (a number in [0, 1])")
    if not (0.0 <= float(value) <= 1.0):
        raise ValueError(f"{owner}.{name}={value!r}: expected a probability in [0, 1]")
    return float(value)


def _check_count(owner: str, name: str, value) -> int:
    if isinstance(value, bool) or int(value) != value or value < 0:
        raise ValueError(f"{owner}.{name}={value!r}: expected a non-negative integer")
    return int(value)


def _mask_rows(n_pre: int, n_post: int):
    """Row chunks ``(start, stop)`` of the (n_pre, n_post) matrix."""
    rows = max(1, _CHUNK // max(n_post, 1))
    for start in range(0, n_pre, rows):
        yield start, min(n_pre, start + rows)


@dataclass(frozen=True)
class AllToAll(Connectivity):
    """Every presynaptic neuron contacts every postsynaptic neuron.

    ``self_connections=False`` drops ``i == j`` when a population projects onto itself.
    """

    self_connections: bool = True

    def pairs(self, n_pre, n_post, rng, *, pre_positions=None, post_positions=None,
              same=False, label=""):
        i, j = np.meshgrid(np.arange(n_pre), np.arange(n_post), indexing="ij")
        i, j = i.ravel(), j.ravel()
        if same and not self.self_connections:
            keep = i != j
            i, j = i[keep], j[keep]
        return i, j, None


@dataclass(frozen=True)
class OneToOne(Connectivity):
    """Neuron ``k`` of the source contacts neuron ``k`` of the target (equal sizes)."""

    def pairs(self, n_pre, n_post, rng, *, pre_positions=None, post_positions=None,
              same=False, label=""):
        if n_pre != n_post:
            raise ValueError(f"incompatible populations for {label or 'a projection'}: "
                             f"OneToOne needs equal sizes; got n_pre={n_pre}, n_post={n_post}")
        return np.arange(n_pre), np.arange(n_post), None


@dataclass(frozen=True)
class Probability(Connectivity):
    """Each pair is connected independently with probability ``p`` (Erdős-Rényi)."""

    p: float
    self_connections: bool = True

    def __post_init__(self):
        _check_prob("Probability", "p", self.p)

    def pairs(self, n_pre, n_post, rng, *, pre_positions=None, post_positions=None,
              same=False, label=""):
        ii, jj = [], []
        for start, stop in _mask_rows(n_pre, n_post):
            mask = rng.random((stop - start, n_post)) < self.p
            if same and not self.self_connections:
                r = np.arange(start, stop)
                ok = r < n_post
                mask[np.nonzero(ok)[0], r[ok]] = False
            a, b = np.nonzero(mask)
            ii.append(a + start)
            jj.append(b)
        return np.concatenate(ii), np.concatenate(jj), None


def _random_k_subsets(n_rows: int, n_choices: int, k: int, rng, exclude_diagonal: bool):
    """For each row, k distinct column indices in [0, n_choices) (optionally != row)."""
    out = np.empty((n_rows, k), dtype=np.int64)
    rows = max(1, _CHUNK // max(n_choices, 1))
    for start in range(0, n_rows, rows):
        stop = min(n_rows, start + rows)
        keys = rng.random((stop - start, n_choices))
        if exclude_diagonal:
            r = np.arange(start, stop)
            ok = r < n_choices
            keys[np.nonzero(ok)[0], r[ok]] = np.inf
        out[start:stop] = np.argpartition(keys, k - 1, axis=1)[:, :k] if k else \
            np.empty((stop - start, 0), dtype=np.int64)
    return np.sort(out, axis=1)


@dataclass(frozen=True)
class FanIn(Connectivity):
    """Convergence: every postsynaptic neuron receives exactly ``k`` distinct inputs."""

    k: int
    self_connections: bool = True

    def __post_init__(self):
        _check_count("FanIn", "k", self.k)

    def pairs(self, n_pre, n_post, rng, *, pre_positions=None, post_positions=None,
              same=False, label=""):
        excl = same and not self.self_connections
        limit = n_pre - (1 if excl else 0)
        if self.k > limit:
            raise ValueError(f"FanIn.k={self.k} for {label or 'a projection'}: expected "
                             f"k <= {limit} (presynaptic population has {n_pre} neurons)")
        pre = _random_k_subsets(n_post, n_pre, self.k, rng, excl)
        j = np.repeat(np.arange(n_post), self.k)
        i = pre.ravel()
        order = np.lexsort((j, i))
        return i[order], j[order], None


@dataclass(frozen=True)
class FanOut(Connectivity):
    """Divergence: every presynaptic neuron contacts exactly ``k`` distinct targets."""

    k: int
    self_connections: bool = True

    def __post_init__(self):
        _check_count("FanOut", "k", self.k)

    def pairs(self, n_pre, n_post, rng, *, pre_positions=None, post_positions=None,
              same=False, label=""):
        excl = same and not self.self_connections
        limit = n_post - (1 if excl else 0)
        if self.k > limit:
            raise ValueError(f"FanOut.k={self.k} for {label or 'a projection'}: expected "
                             f"k <= {limit} (postsynaptic population has {n_post} neurons)")
        post = _random_k_subsets(n_pre, n_post, self.k, rng, excl)
        return np.repeat(np.arange(n_pre), self.k), post.ravel(), None


@dataclass(frozen=True)
class Gaussian(Connectivity):
    """Distance-dependent connectivity with a Gaussian profile.

    ``kernel(d) = exp(-d^2 / (2 sigma^2))`` for the distance ``d`` between the
    neurons' positions (index units by default, i.e. neighbours are 1 apart;
    ``period`` makes the line a ring of that circumference).

    Parameters
    ----------
    sigma : float
        Width of the profile (position units), > 0.
    p_max : float
        Connection probability at distance 0, in [0, 1].
    profile : {'probability', 'weight'}
        ``'probability'``: connect with probability ``p_max kernel(d)``, equal
        weights. ``'weight'``: connect with probability ``p_max`` and scale the
        weight by ``kernel(d)`` (a deterministic Mexican-hat-style surround
        when ``p_max = 1``).
    cutoff : float
        Pairs farther apart than ``cutoff * sigma`` are not connected.
    self_connections : bool
        Keep ``i == j`` within one population.

    Notes
    -----
    Distances are computed for all ``n_pre x n_post`` pairs at once (meant
    for layers of up to a few thousand neurons).
    """

    sigma: float
    p_max: float = 1.0
    profile: str = "weight"
    period: float | None = None
    cutoff: float = 4.0
    self_connections: bool = False

    def __post_init__(self):
        if not (isinstance(self.sigma, (int, float, np.floating)) and self.sigma > 0
                and math.isfinite(self.sigma)):
            raise ValueError(f"Gaussian.sigma={self.sigma!r}: expected a finite value > 0 "
                             "(in position units)")
        _check_prob("Gaussian", "p_max", self.p_max)
        if self.profile not in ("probability", "weight"):
            raise ValueError(f"Gaussian.profile={self.profile!r}: expected 'probability' or "
                             "'weight'")
        if self.period is not None and not self.period > 0:
            raise ValueError(f"Gaussian.period={self.period!r}: expected None or a value > 0")
        if not self.cutoff > 0:
            raise ValueError(f"Gaussian.cutoff={self.cutoff!r}: expected a value > 0")

    def pairs(self, n_pre, n_post, rng, *, pre_positions=None, post_positions=None,
              same=False, label=""):
        xp = _positions(pre_positions, n_pre)
        xq = _positions(post_positions, n_post)
        if xp.shape[1] != xq.shape[1]:
            raise ValueError(f"incompatible populations for {label or 'a projection'}: "
                             f"positions have {xp.shape[1]} and {xq.shape[1]} dimensions")
        diff = np.abs(xp[:, None, :] - xq[None, :, :])
        if self.period is not None:
            diff = np.minimum(diff, self.period - diff)
        d2 = np.sum(diff ** 2, axis=2)
        kernel = np.exp(-d2 / (2 * self.sigma ** 2))
        keep = d2 <= (self.cutoff * self.sigma) ** 2
        if same and not self.self_connections:
            np.fill_diagonal(keep, False)
        prob = self.p_max * (kernel if self.profile == "probability" else 1.0)
        if self.p_max < 1 or self.profile == "probability":
            keep &= rng.random(kernel.shape) < prob
        i, j = np.nonzero(keep)
        factor = kernel[i, j] if self.profile == "weight" else None
        return i, j, factor


def _positions(positions, n: int) -> np.ndarray:
    if positions is None:
        return np.arange(n, dtype=np.float64)[:, None]
    x = np.asarray(positions, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x


@dataclass(frozen=True, eq=False)
class Explicit(Connectivity):
    """Given index pairs ``(i[k], j[k])``."""

    i: np.ndarray
    j: np.ndarray

    def __post_init__(self):
        i, j = np.asarray(self.i), np.asarray(self.j)
        if i.shape != j.shape or i.ndim != 1:
            raise ValueError(f"Explicit: i has shape {i.shape} and j has shape {j.shape}; "
                             "expected two 1-D arrays of equal length")
        if i.size and (not np.issubdtype(i.dtype, np.integer)
                       or not np.issubdtype(j.dtype, np.integer)):
            raise TypeError("Explicit: expected integer index arrays i and j")
        object.__setattr__(self, "i", i.astype(np.int64))
        object.__setattr__(self, "j", j.astype(np.int64))

    def pairs(self, n_pre, n_post, rng, *, pre_positions=None, post_positions=None,
              same=False, label=""):
        for name, idx, n in (("i", self.i, n_pre), ("j", self.j, n_post)):
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                raise ValueError(f"incompatible populations for {label or 'a projection'}: "
                                 f"Explicit.{name} has indices in [{idx.min()}, {idx.max()}]; "
                                 f"expected [0, {n - 1}]")
        order = np.argsort(self.i, kind="stable")
        return self.i[order], self.j[order], None

    def describe(self) -> str:
        return f"Explicit({self.i.size} pairs)"


@dataclass(frozen=True)
class Blocks(Connectivity):
    """Block-diagonal copies of a rule: ``n_blocks`` independent replicas of one circuit.

    Source and target are cut into ``n_blocks`` equal consecutive parts and
    *inner* connects part ``b`` of the source to part ``b`` of the target only.
    A sweep over a parameter then runs in one network (one compilation), one
    replica per value, with ``weight_factor`` picking the value by block.
    """

    inner: Connectivity
    n_blocks: int

    def __post_init__(self):
        if not isinstance(self.inner, Connectivity):
            raise TypeError(f"Blocks.inner={self.inner!r}: expected a Connectivity rule")
        if _check_count("Blocks", "n_blocks", self.n_blocks) < 1:
            raise ValueError(f"Blocks.n_blocks={self.n_blocks!r}: expected >= 1")

    def pairs(self, n_pre, n_post, rng, *, pre_positions=None, post_positions=None,
              same=False, label=""):
        b = self.n_blocks
        if n_pre % b or n_post % b:
            raise ValueError(f"incompatible populations for {label or 'a projection'}: "
                             f"Blocks(n_blocks={b}) needs sizes divisible by {b}; got "
                             f"n_pre={n_pre}, n_post={n_post}")
        sp, sq = n_pre // b, n_post // b
        ii, jj, ff = [], [], []
        for k in range(b):
            pp = None if pre_positions is None else np.asarray(pre_positions)[k * sp:(k + 1) * sp]
            qq = None if post_positions is None else np.asarray(post_positions)[k * sq:(k + 1) * sq]
            i, j, f = self.inner.pairs(sp, sq, rng, pre_positions=pp, post_positions=qq,
                                       same=same, label=label)
            ii.append(i + k * sp)
            jj.append(j + k * sq)
            ff.append(np.ones(len(i)) if f is None else f)
        factor = np.concatenate(ff)
        return (np.concatenate(ii), np.concatenate(jj),
                None if np.all(factor == 1.0) else factor)

    def describe(self) -> str:
        return f"Blocks({self.inner.describe()}, n_blocks={self.n_blocks})"
