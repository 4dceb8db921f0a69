"""Circuit motifs: feedforward excitation, feedforward / feedback / lateral inhibition (layer L2).

Each builder takes population specs (any neuron model; sources for inputs),
synapse specs (any static kind, optionally a plasticity rule) and connectivity
rules, and returns a :class:`~.circuit.Circuit`.  Motifs compose with ``+``:
populations with the same name are shared, so the output layer of a
feedforward chain can be the input of a lateral-inhibition motif.

* **Feedforward excitation** (divergent/convergent chains; Abeles 1991,
  Diesmann, Gewaltig & Aertsen 1999): layer k -> layer k+1 with fan-in, fan-out
  or connection probability.  Pooling ``N`` inputs with independent noise
  improves the signal-to-noise ratio as ``sqrt(N)`` (Shadlen & Newsome 1998).
* **Feedforward inhibition** (Pouille & Scanziani 2001, Science 293:1159):
  input -> E and input -> I -> E; the disynaptic inhibition arrives a delay
  after the excitation and narrows the window of temporal integration.
* **Feedback inhibition** (E -> I -> E; Whittington et al. 2000, Börgers &
  Kopell 2003): strong recurrent inhibition synchronises the E population into
  a pyramidal-interneuron gamma (PING) rhythm whose period is set by the
  inhibitory decay time.
* **Lateral inhibition** (Hartline & Ratliff 1957; Amari 1977; Coultrip,
  Granger & Lynch 1992): within-layer inhibition, distance-dependent
  (Gaussian) for contrast enhancement or all-to-all for winner-take-all.
"""
from __future__ import annotations

from collections.abc import Sequence

from .circuit import Circuit, Projection
from .connectivity import AllToAll, Connectivity, Gaussian

__all__ = ["feedforward_excitation", "feedforward_inhibition", "feedback_inhibition",
           "lateral_inhibition"]


def _make(specs: list[dict], options, motif: str) -> list[Projection]:
    """Projections from keyword dicts, updated with ``options[<projection name>]``."""
    options = dict(options or {})
    out = []
    for kw in specs:
        name = kw.get("name") or f"{kw['pre']}_to_{kw['post']}"
        extra = dict(options.pop(name, {}))
        out.append(Projection(**{**kw, "name": name, **extra}))
    if options:
        raise ValueError(f"{motif}: projection_options for unknown projection(s) "
                         f"{sorted(options)}; expected names among {[p.name for p in out]}")
    return out


def _per_stage(name: str, value, n: int) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} has {len(value)} entries; expected one per projection "
                             f"({n})")
        return list(value)
    return [value] * n


def feedforward_excitation(layers: Sequence, synapse, connectivity: Connectivity | Sequence,
                           *, plasticity=None, projection_options=None, seed: int = 0,
                           name: str = "ff_excitation") -> Circuit:
    """A feedforward chain ``layers[0] -> layers[1] -> ...``.

    Parameters
    ----------
    layers : sequence of Population / PoissonSource / SpikeSource
        The first may be a source; the others receive synapses.
    synapse : synapse spec or sequence of them (one per stage)
    connectivity : Connectivity or sequence of them
        :class:`~.connectivity.FanIn` (convergence), :class:`~.connectivity.FanOut`
        (divergence), :class:`~.connectivity.Probability`, ...
    plasticity : rule or sequence of rules/None, optional
    projection_options : mapping, optional
        Extra :class:`~.circuit.Projection` arguments by projection name, e.g.
        ``{'L0_to_L1': {'weight_factor': f, 'record': ('w',)}}``.
    seed : int
        Seed of the connectivity draws.

    Returns
    -------
    Circuit
        Projections named ``'<layer k>_to_<layer k+1>'``.
    """
    layers = list(layers)
    if len(layers) < 2:
        raise ValueError(f"feedforward_excitation: got {len(layers)} layer(s); expected >= 2")
    stages = len(layers) - 1
    syns = _per_stage("synapse", synapse, stages)
    conns = _per_stage("connectivity", connectivity, stages)
    rules = _per_stage("plasticity", plasticity, stages)
    projections = _make([dict(pre=a.name, post=b.name, synapse=s, connectivity=c, plasticity=r)
                         for a, b, s, c, r in zip(layers[:-1], layers[1:], syns, conns, rules)],
                        projection_options, "feedforward_excitation")
    return Circuit(layers, projections, seed=seed, name=name)


def feedforward_inhibition(source, excitatory, inhibitory, *, input_to_e, input_to_i, i_to_e,
                           connectivity_input_e: Connectivity | None = None,
                           connectivity_input_i: Connectivity | None = None,
                           connectivity_i_e: Connectivity | None = None,
                           projection_options=None, seed: int = 0,
                           name: str = "ff_inhibition") -> Circuit:
    """Feedforward inhibition: input -> E and input -> I -> E.

    Parameters
    ----------
    source : population spec
        Input population (a source or a Population).
    excitatory, inhibitory : Population
        Principal cells and feedforward interneurons (any models).
    input_to_e, input_to_i, i_to_e : synapse specs
        ``i_to_e`` inhibitory (negative current or inhibitory conductance);
        its delay plus the interneuron's spike latency set when inhibition arrives.
    connectivity_* : Connectivity, optional
        Default :class:`~.connectivity.AllToAll`.
    projection_options : mapping, optional
        Extra Projection arguments by projection name (plasticity, weight_factor, ...).

    Returns
    -------
    Circuit
        Projections ``'<input>_to_<E>'``, ``'<input>_to_<I>'``, ``'<I>_to_<E>'``.
    """
    conn = [c or AllToAll() for c in (connectivity_input_e, connectivity_input_i,
                                      connectivity_i_e)]
    projections = _make([dict(pre=source.name, post=excitatory.name, synapse=input_to_e,
                              connectivity=conn[0]),
                         dict(pre=source.name, post=inhibitory.name, synapse=input_to_i,
                              connectivity=conn[1]),
                         dict(pre=inhibitory.name, post=excitatory.name, synapse=i_to_e,
                              connectivity=conn[2])], projection_options,
                        "feedforward_inhibition")
    return Circuit([source, excitatory, inhibitory], projections, seed=seed, name=name)


def feedback_inhibition(excitatory, inhibitory, *, e_to_i, i_to_e, e_to_e=None,
                        connectivity_e_i: Connectivity | None = None,
                        connectivity_i_e: Connectivity | None = None,
                        connectivity_e_e: Connectivity | None = None,
                        projection_options=None, seed: int = 0,
                        name: str = "fb_inhibition") -> Circuit:
    """Feedback (recurrent) inhibition: E -> I -> E, optionally with E -> E.

    The drive of E comes from composed motifs (e.g. a PoissonSource projection);
    ``projection_options`` adds Projection arguments by projection name.

    Returns
    -------
    Circuit
        Projections ``'<E>_to_<I>'``, ``'<I>_to_<E>'`` (and ``'<E>_to_<E>'``).
    """
    specs = [dict(pre=excitatory.name, post=inhibitory.name, synapse=e_to_i,
                  connectivity=connectivity_e_i or AllToAll()),
             dict(pre=inhibitory.name, post=excitatory.name, synapse=i_to_e,
                  connectivity=connectivity_i_e or AllToAll())]
    if e_to_e is not None:
        specs.append(dict(pre=excitatory.name, post=excitatory.name, synapse=e_to_e,
                          connectivity=connectivity_e_e or AllToAll(self_connections=False)))
    projections = _make(specs, projection_options, "feedback_inhibition")
    return Circuit([excitatory, inhibitory], projections, seed=seed, name=name)


def lateral_inhibition(population, synapse, *, sigma: float | None = None,
                       winner_take_all: bool = False, period: float | None = None,
                       connectivity: Connectivity | None = None, projection_options=None,
                       seed: int = 0, name: str = "lateral_inhibition") -> Circuit:
    """Within-layer inhibition of *population* (self-connections excluded).

    Parameters
    ----------
    population : Population
    synapse : synapse spec
        Inhibitory synapse (negative current or inhibitory conductance).
    sigma : float, optional
        Width of a Gaussian distance profile of the weights (position units,
        neighbours 1 apart by default): ``w(d) = w exp(-d^2/(2 sigma^2))``
        (contrast enhancement).  ``None`` with ``winner_take_all=False`` means
        all-to-all uniform inhibition.
    winner_take_all : bool
        Global all-to-all inhibition (``sigma`` must be None): the neuron with the
        strongest input fires first and silences the others.
    period : float, optional
        Circumference of a ring (periodic boundary) for the Gaussian profile.
    connectivity : Connectivity, optional
        Overrides the rule derived from ``sigma``/``winner_take_all``.
    projection_options : mapping, optional
        Extra Projection arguments by projection name.

    Returns
    -------
    Circuit
        One projection ``'<population>_lateral'``.
    """
    if winner_take_all and sigma is not None:
        raise ValueError(f"lateral_inhibition: winner_take_all=True uses global inhibition; "
                         f"got sigma={sigma!r}, expected sigma=None")
    if connectivity is None:
        connectivity = (Gaussian(sigma, profile="weight", period=period) if sigma is not None
                        else AllToAll(self_connections=False))
    projections = _make([dict(pre=population.name, post=population.name, synapse=synapse,
                              connectivity=connectivity, name=f"{population.name}_lateral")],
                        projection_options, "lateral_inhibition")
    return Circuit([population], projections, seed=seed, name=name)
