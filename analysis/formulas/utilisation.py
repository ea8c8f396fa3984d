"""A prior on model FLOPs utilisation (MFU) from published dispersion: the utilisations of
training runs that match what a user knows about a run (the chip's architecture generation, dense
or mixture-of-experts, the precision whose dense peak the MFU is measured against), with a stated
fallback when too few match.

Observations are of three kinds (``kind``): *accounted* runs, whose developers disclose the run's
compute and the GPU-hours or days it took (``data/accounted_runs.csv``; MFU = 6·N·D over the
accounted chip-time at the dense peak, goodput removed), *production* runs' and *benchmarks'*
published MFUs (``data/mfu_observations.csv``). A published MFU is a steady-state figure; a run's
accounted hours also pay for evaluation, stalls, restarts and extra stages, and what the reports
predict is such hours, so the prior prefers accounted runs, then production runs, then all kinds
(:data:`KINDS`). Benchmarks run some 5-15 points above production runs at similar scale.

The prior's P10 / P50 / P90 are the matching observations' percentiles by the one percentile
routine (:func:`analysis.formulas.uncertainty.percentiles`); a Monte Carlo draws MFU from the
observations themselves (:class:`analysis.formulas.uncertainty.Empirical`). With fewer than ten
observations the inverted-CDF P10 and P90 are the smallest and largest observation: the band is
the observations' full range.

Model size is not a condition, because leave-one-out on the fit data says it does not help
(tested again once the accounted runs existed, issue 19 item 3). The candidate
(:func:`trend_adjusted`, ``prior(candidate="size", at=…)``) regresses ln MFU on ln N_active within
the level the prior chose and moves every observation to the run's size along the fitted slope,
keeping its residual (so the band is the residuals' spread). On the 33 usable accounted and
production observations of 2026-12-06, each predicted from the others of its kind
(:func:`leave_one_out` with ``kinds`` = :data:`KINDS`; the validation cases are never among them):
without size the median is off by 31.9 % on average (mean |ln error| 0.275) and P10–P90 holds
75.8 % of the held-out values; with size 37.8 % (0.345) and 69.7 %. Also tried, one-off, and worse
too: MFU linear in ln N (39.4 %, 66.7 %), size bands below 10 B, 10-100 B and above (32.3 %,
69.7 %), and one slope shared by all groups (it is −0.014 in ln-ln: no size trend across the fit
data; 33.0 %, 75.8 %). Within a level the sizes are confounded with who published them (Hopper
dense BF16 accounted runs: 1.7-14 B from Microsoft, IBM and Hugging Face at 0.13-0.26, Llama 3.1
405B at 0.36). With the accounted runs added on 2026-12-07 (Stable LM 2 1.6B, MobileLLM-1B
and -1.5B on A100; SmolLM2 1.7B on H100 is listed but set aside: its GPU-hours are a forum answer)
the 36 usable accounted and production observations give 34.5 % and 72.2 % without size, 40.2 %
and 63.9 % with it (each accounted MFU net of the default goodput at its chip count, restart time 6.47
min since 2026-12-07; 40.3 % with 10 min). The validation report shows these leave-one-out figures from
:func:`leave_one_out`.

Candidate conditions, pre-registered (issue 19, 2026-12-07, written and committed before any of
them was computed). Each is something a user of training_run knows before the run; each is tried
in one form only, fixed here:

(a) *cluster*: the run's chip count (``cluster_chips``; training_run's ``chip_count``), as a
    log-linear trend within the level the prior chose (ln MFU on ln chips, each observation moved
    to the run's count with its residual: the mechanism of the size candidate). Expected slope
    negative: more chips means more communication per step and a smaller batch per chip at a
    given global batch (goodput is removed separately).
(b) *era*: the run started in or after 2023-07 (FlashAttention-2, released 2023-07-17; FP8
    training kernels of Transformer Engine) or before (``run_start``, YYYY-MM: the training start
    where the source gives it, else its end or the release month, the note says which), as a
    first condition (generation × architecture × precision × era) dropped before the others when
    fewer than :data:`MIN_OBSERVATIONS` match. Expected: later runs higher.
(c) *sequence*: the main pretraining stage's sequence length (``seq_len``), a log-linear trend
    as (a). Expected negative: the attention FLOPs 6·N·D leaves out grow with sequence length.
(d) *tokens per parameter*: D / N_active, a log-linear trend as (a). Expected negative (a weak
    reason): more tokens per parameter is a smaller model for its compute, with narrower matrix
    products and more work outside 6·N·D per parameter.
(e) *frontier lab with its own stack vs open or academic group*: not tried, decided before
    computing: the sources do not state their software stack in comparable words, and "frontier"
    would be the analyst's judgement, not the source's.

Observations without the candidate's value are not moved (a trend) or match no era (b); held out,
they get the prior without the candidate. Adoption rule: a candidate is adopted only if, on the fit
data only (accounted and production observations; validation cases never looked at), its
leave-one-out mean |error| is at least 2 points below the prior without it (31.9 % on the 33
observations of 2026-12-06; and below the prior without it on the fit data as enlarged this
session — both must hold) AND its P10–P90 coverage stays within 70–90 % AND its fitted direction
is the expected one above. At most one candidate is adopted (the one with the lowest error among
those that pass); no pair is pre-declared. Every candidate's figures are reported, adopted or not.
Disclosed: before writing this the current leave-one-out table (MFU, chip count and active
parameters of the 33 observations) had been printed; no candidate had been computed.

Results (computed after the pre-registration was committed): leave-one-out mean |error| and
P10–P90 coverage on the 33 observations of 2026-12-06 (without a candidate 31.9 %, 75.8 %), then
on the 36 of 2026-12-07 (without 34.5 %, 72.2 %; Granite's GPU counts entered), and the fitted direction on the 36
(:func:`direction`):

- cluster: 36.5 %, 69.7 %; 42.7 %, 63.9 %; −0.055 (expected negative). Worse.
- era: 32.3 %, 69.7 %; 34.8 %, 66.7 %; −0.013 (expected positive; +0.103 on the 33). No better,
  coverage below 70 %, and the direction reverses once the newer runs are in.
- sequence: 42.8 %, 75.8 %; 47.3 %, 66.7 %; +0.014 (expected negative). Worse.
- tokens per parameter: 32.8 %, 72.7 %; 35.1 %, 66.7 %; +0.026 (expected negative). Worse.

None is adopted (:func:`adopted`); the prior keeps generation, architecture and precision. The
validation report's candidates table recomputes the figures on the current fit data.

One FLOP basis, pre-registered (issue 19, "mixed MFU bases", 2026-12-07; written and committed
before its effect on any figure, validation case or leave-one-out error was computed). The
package's MFU is model FLOPs 6·N_active·D (attention and logits left out, no recomputation) over
chip-time at the dense peak; every observation is put on that basis before any use (the prior,
the cap, the reference MFU, the transfer pairs, leave-one-out):

    mfu = mfu_published × 6·N_active / F_source      (:func:`mfu_6nd`)

where F_source [FLOP per token] is what the publisher's own formula counts per trained token
(:func:`source_flop_per_token`), with the model's layers l, attention width d (heads × head
dimension), sequence length s and vocabulary V read from primary sources (papers, model configs,
the benchmark's own table), each value's source in the row's note. The bases (``flop_basis``):

- ``6nd``: F = 6·N. Also a row whose source states a figure *without* attention (PaLM 45.7 %,
  MT-NLG 29.7 % as PaLM computes them): that figure is the published value, not the one with it.
- ``6nd+attn``: F = 6·N + 12·l·d·s (PaLM's appendix B, FlashAttention-2, LLM Foundry, MaxText of
  2024: the attention score and value products, forward and backward, no causal halving).
- ``megatron-model``: F = 72·l·h² + 12·l·h·s + 6·h·V (Korthikanti et al. 2022's model FLOPs: weight
  products, attention and logits, three passes; h the hidden size).
- ``megatron-hfu``: F = 96·l·h² + 16·l·h·s + 6·h·V (Narayanan et al. 2021's count with full
  activation recomputation, 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)) per sequence: the recompute
  pass is removed by this conversion, as the 6/8 did before, and attention and logits with it).
- ``throughput``: F = the source's model FLOP/s per chip ÷ its tokens/s per chip, both read from
  the same table (NVIDIA Megatron Bridge, whose per-model formulas — causal attention, GQA, MLA,
  MoE — are its own; its output is read rather than restated).
- ``unconverted``: the basis is not stated (e.g. "MFU as reported", "achieved TFLOP/s"), or the
  model shape the conversion needs could not be read from a primary source: the published value
  is kept as it is, and the row is flagged by this value (a test lists these rows). Such a value
  may overstate MFU on 6·N·D by the attention share its source may count.

The cap (:func:`analysis.assembly.inputs.mfu_ceiling`) is fit data like the prior: decided here,
before computing, that it leaves out every row that shares a run or code with any validation case
(non-empty ``validation_overlap``), always — not only for the overlapping case, as
:func:`disjoint_from` does for the prior — because the cap is one number per generation and
precision used by every report and case alike; a row that measures a validation case's own run
must not bound the prediction of that case. Nothing else about the cap changes (highest usable
observation of the generation and precision where at least :data:`MIN_OBSERVATIONS` such rows
exist, else the highest at that precision on every generation).

Effect (computed after the rule was committed, 2026-12-07). Of the 47 published rows, 35 are
converted (7 Megatron 2021 and 4 Korthikanti rows, 11 LLM Foundry, 8 Megatron Bridge,
FlashAttention-2, GLM-130B, 2 MaxText, Pangu Ultra, which stays excluded), 2 take the source's own
figure without attention (PaLM 0.462 → 0.457, MT-NLG 0.302 → 0.297) and 10 stay unconverted
(flagged). Leave-one-out on the 36 usable accounted and production observations (only GLM-130B 0.325
→ 0.316, PaLM and MT-NLG move; accounted runs were 6·N·D already): without a candidate 34.2 % and
72.2 % (34.5 % and 72.2 % before); size 40.1 %, 63.9 %; cluster 43.2 %, 63.9 % (direction −0.056);
era 34.5 %, 66.7 % (−0.008); sequence 46.8 %, 66.7 % (+0.014); tokens per parameter 34.7 %, 66.7 %
(+0.027). Still none adopted. The caps: Hopper BF16 0.4644 → 0.4164 (MPT-70B on 128 H100), Ampere
BF16 0.72 → 0.6272 (phi-2's accounted utilisation, whose note calls it implausibly high; above the
highest benchmark left, Korthikanti's 530B at 0.5513, are also TinyLlama's unconverted 0.56 and
MobileLLM's accounted 0.584 and 0.586), BF16 on generations with fewer than 5 rows 0.72 → 0.6915
(MaxText 32B on TPU v5p), Hopper FP8 0.4154 → 0.4003, FP8 elsewhere 0.4258 → 0.4097.

Which rows set the cap, and the cap of a generation with too few, pre-registered (lane caps,
2026-12-07; written and committed before the rule was implemented or its effect on any cap,
band or validation case was computed). The cap is a bound on a *steady-state* MFU on 6·N·D: the
best a tuned stack has been shown to sustain on the chip's generation. Two rules follow, each
applied to a row by its kind and FLOP basis, never by its value:

(1) *Rows*: a row enters the cap only if it is a steady-state MFU as its source states it (kind
    ``production`` or ``benchmark``) on the 6·N·D basis (``flop_basis`` not ``unconverted``),
    usable and sharing no run or code with a validation case (the rule above). Accounted runs do
    not enter it. Reason: an accounted utilisation is a whole run's FLOPs over its whole chip-time,
    which for the same run is at most its steady-state MFU (the chip-time also pays for
    evaluation, stalls, restarts and extra stages), so an accounted row can never be the true bound
    of a steady state; it can rise above the published steady states only through an error in
    the figures it is computed from (a duration stated in days or weeks, often approximate: a
    duration understated by a sixth raises the MFU by a fifth), and the top of the accounted rows
    is where such errors collect. The accounted runs stay what the prior draws from; their draws
    are capped by the published steady states. An ``unconverted`` row is a figure on an unknown
    basis; every stated basis but Megatron Bridge's own counts at least 6·N per token, so such a
    figure is, if anything, above its value on 6·N·D: not a measurement of the bound on the cap's
    basis.
(2) *Levels*: the cap is the highest of those rows on the chip's generation at the precision where
    at least :data:`MIN_OBSERVATIONS` such rows exist; else the highest at that precision on the
    generations of the chip's vendor (``chips.csv`` ``vendor``) where at least
    :data:`MIN_OBSERVATIONS` exist there; else the highest at that precision on any chip. Reason:
    the package already holds that the vendor's software stack is what moves an MFU between chips
    (the vendor factor, ``data/vendor_efficiency.csv``); a generation without its own measured bound
    is nearest, by the package's own model, to its vendor's other generations (the same libraries
    and training frameworks), not to another vendor's chip with another compiler. Considered and
    not chosen: the measured generation nearest in dense peak per byte of HBM bandwidth (the
    balance named above as what sets a generation's bound), because that balance varies within a
    generation (H20 148 TFLOP/s on 4.0 TB/s, H100 SXM 989 on 3.35) while the cap is one per
    generation; and "GPU rows cap GPUs": no better reason than the vendor's, and a coarser one.

Disclosed: before writing this, the table of every observation (kind, basis, generation,
precision, MFU on 6·N·D) had been printed, and the brief that asked for a rule named phi-2's
0.627 (Ampere's cap, which its own note calls implausibly high) and the fallback's 0.6915 (MaxText
on TPU v5p, bounding Volta and Blackwell) as doubts. The rule's outcome for those two could be read
off that table before writing; no cap, band or validation figure had been computed under it. The
effect is reported below whatever it is.

Effect (computed after the rules were committed, 2026-12-07; :func:`cap_rows`, :func:`ceiling`).
The caps, before → after: Ampere BF16 0.6272 (phi-2, accounted) → 0.5513 (Korthikanti et al.'s 530B
on 280 A100, a benchmark; their 1T at 0.5512 next); Volta, Blackwell and Ada BF16 0.6915 (MaxText on
TPU v5p) → 0.5513 (NVIDIA's highest, the same A100 row); Hopper BF16 0.4164, Hopper FP8 0.4003, FP8
elsewhere 0.4097 (GB200; now as NVIDIA's highest on Volta, Ampere, Ada and Blackwell) and BF16 on
AMD, Huawei, Google, Amazon and Cambricon chips 0.6915 (no vendor has 5 such rows but NVIDIA)
unchanged. Blackwell BF16 is now bounded by an A100 benchmark, above Hopper's own 0.4164: the vendor
level is looser than the balance argument would make it. training_run, a custom 7B dense run on 1T
tokens on 512 chips (4,000 draws): on V100 the MFU's P90 0.5846 → 0.5513 and the GPU-hours' P10
161,655 → 171,557 (P50 360,160 and P90 603,091 unchanged); on B200 in BF16 the same MFU band, GPU-hours
P10 8,981 → 9,531 (P50 20,009, P90 33,505); B200 in FP8 (cap 0.4097 before and after) and GPT-3 175B on
its V100s (P90 MFU 0.458, below either cap) unchanged. The validation summary is unchanged (46 cases,
mean |error| 0.2061, max 0.764, coverage 84.8 %): the P10 of 17 validation cases on A100 (and 4
arithmetic cases) rose by 3-14 % (median 10.7 %), no case moved in or out of its band, and MegaScale's
entered 0.552 on 12,288 A100 (arithmetic) now sits above the cap, so its band's fast end is its base.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from . import uncertainty

#: The fewest matching observations a level of the prior needs before it falls back to the next.
MIN_OBSERVATIONS = 5
#: The conditions of each level, most specific first: a level is used when at least
#: :data:`MIN_OBSERVATIONS` observations match all its conditions. Precision is never dropped: an
#: MFU against the FP8 peak and one against the BF16 peak are different quantities.
LEVELS = (("generation", "architecture", "precision"), ("architecture", "precision"), ("precision",))
#: The kinds of observation the prior prefers, in order: ``accounted`` (a whole run's utilisation
#: from its disclosed compute and GPU-hours, goodput removed), then ``production`` (a production
#: run's published MFU); where neither has enough matches, all kinds (benchmarks included).
KINDS = ("accounted", "production")
#: The observation columns the conditions read.
COLUMNS = {"generation": "chip_generation", "architecture": "architecture", "precision": "precision"}


#: The FLOP bases of a published MFU (``flop_basis`` of ``data/mfu_observations.csv``; the module
#: docstring's rule) and the columns each needs to be put on the 6·N·D basis.
FLOP_BASES = {
    "6nd": (),
    "6nd+attn": ("n_layers", "d_model", "seq_len"),
    "megatron-model": ("n_layers", "d_model", "seq_len", "vocab"),
    "megatron-hfu": ("n_layers", "d_model", "seq_len", "vocab"),
    "throughput": ("model_tflops_per_chip", "tokens_per_s_per_chip"),
    "unconverted": (),
}


def source_flop_per_token(
    basis: str,
    *,
    active_params: float,
    n_layers: float = np.nan,
    d_model: float = np.nan,
    seq_len: float = np.nan,
    vocab: float = np.nan,
    model_tflops_per_chip: float = np.nan,
    tokens_per_s_per_chip: float = np.nan,
) -> float:
    """The model FLOPs [FLOP per trained token] a publisher's MFU counts, by its ``basis``
    (:data:`FLOP_BASES`), with N = ``active_params``, l = ``n_layers``, d = ``d_model`` (attention
    width, heads × head dimension; Megatron's hidden size h), s = ``seq_len`` [tokens], V = ``vocab``:

    - ``6nd`` and ``unconverted``: 6·N (``unconverted``: the published value is kept as it is);
    - ``6nd+attn``: 6·N + 12·l·d·s (PaLM, Chowdhery et al. 2022 app. B; FlashAttention-2; LLM
      Foundry; MaxText 2024);
    - ``megatron-model``: 72·l·d² + 12·l·d·s + 6·d·V (Korthikanti et al. 2022, three passes);
    - ``megatron-hfu``: 96·l·d² + 16·l·d·s + 6·d·V (Narayanan et al. 2021, full recomputation:
      96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)) per sequence of B·s tokens);
    - ``throughput``: ``model_tflops_per_chip`` × 1e12 / ``tokens_per_s_per_chip`` (the source's own
      count, read from its table).

    Raises ValueError for another basis, naming the allowed ones, or when a value the basis needs
    is missing.

    Source: palm-paper; flashattention2-paper; llmfoundry-benchmarks; korthikanti-2022; megatron-2021.
    """
    if basis not in FLOP_BASES:
        raise ValueError(f"unknown FLOP basis {basis!r}; allowed: {', '.join(FLOP_BASES)}")
    given = dict(
        n_layers=n_layers,
        d_model=d_model,
        seq_len=seq_len,
        vocab=vocab,
        model_tflops_per_chip=model_tflops_per_chip,
        tokens_per_s_per_chip=tokens_per_s_per_chip,
    )
    missing = [name for name in FLOP_BASES[basis] if pd.isna(given[name])]
    if missing:
        raise ValueError(f"FLOP basis {basis!r} needs {', '.join(missing)}; none given")
    n, layers, d, s, v = (
        np.nan if pd.isna(x) else float(x) for x in (active_params, n_layers, d_model, seq_len, vocab)
    )
    if basis == "6nd+attn":
        return 6 * n + 12 * layers * d * s
    if basis == "megatron-model":
        return 72 * layers * d**2 + 12 * layers * d * s + 6 * d * v
    if basis == "megatron-hfu":
        return 96 * layers * d**2 + 16 * layers * d * s + 6 * d * v
    if basis == "throughput":
        return float(model_tflops_per_chip) * 1e12 / float(tokens_per_s_per_chip)
    return 6 * n


def mfu_6nd(mfu_published, *, active_params, source_flop_per_token):
    """A published MFU [share of the dense peak] on the package's basis, model FLOPs 6·N·D:
    mfu = mfu_published × 6·N_active / F_source, where F_source [FLOP per token] is what the
    publisher counts (:func:`source_flop_per_token`): the same tokens per second at the same peak,
    each token counted as 6·N_active FLOPs instead of F_source.

    Source: definition.
    """
    return mfu_published * 6.0 * np.asarray(active_params, dtype=float) / np.asarray(source_flop_per_token, dtype=float)


def observed_mfu(observations: pd.DataFrame) -> pd.Series:
    """Each published observation's MFU [share of the dense peak] on the 6·N·D basis: its
    ``mfu_published`` through :func:`mfu_6nd` with its ``flop_basis`` and shape columns
    (:func:`source_flop_per_token`), indexed like ``observations``.

    Source: definition.
    """
    shape = ("n_layers", "d_model", "seq_len", "vocab", "model_tflops_per_chip", "tokens_per_s_per_chip")
    flop = [
        source_flop_per_token(row["flop_basis"], active_params=row["active_params"], **{k: row[k] for k in shape})
        for _, row in observations.iterrows()
    ]
    mfu = mfu_6nd(
        observations["mfu_published"].to_numpy(dtype=float),
        active_params=observations["active_params"],
        source_flop_per_token=flop,
    )
    return pd.Series(mfu, index=observations.index, name="mfu")


@dataclass(frozen=True)
class Candidate:
    """A candidate condition of the prior (issue 19; none adopted): the observation ``column``
    it reads, its ``form`` (``trend``: a log-linear trend in the column within the level the
    prior chose, :func:`trend_adjusted`; ``split``: an extra first condition, the column on or
    after ``threshold`` or before), the ``expected`` sign of its effect on MFU (+1 or −1; None:
    none stated, the size candidate tested before the adoption rule) and the physical ``reason``."""

    column: str
    form: str
    expected: int | None
    reason: str
    threshold: str | None = None


#: The candidate conditions tried (the module docstring's pre-registration), by name.
CANDIDATES = {
    "size": Candidate("active_params", "trend", None, "none stated (tested before the rule)"),
    "cluster": Candidate("cluster_chips", "trend", -1, "more communication per step, a smaller batch per chip"),
    "era": Candidate("run_start", "split", +1, "FlashAttention-2 and FP8 kernels from 2023-07", threshold="2023-07"),
    "sequence": Candidate("seq_len", "trend", -1, "attention FLOPs outside 6·N·D grow with sequence length"),
    "tokens_per_param": Candidate(
        "tokens_per_param", "trend", -1, "a smaller model for its compute, narrower matrix products; a weak reason"
    ),
}


@dataclass(frozen=True)
class Prior:
    """The MFU prior for one condition: ``values`` (the matching observations' MFUs [share],
    sorted), their ``obs_ids``, the ``level`` used (the names of the conditions that held, e.g.
    ``("generation", "architecture", "precision")``), the ``condition`` asked for, and
    ``p10`` / ``p50`` / ``p90`` of the values."""

    values: np.ndarray
    obs_ids: tuple[str, ...]
    level: tuple[str, ...]
    condition: dict
    p10: float
    p50: float
    p90: float
    kind: str | None = None  # the kind of observation it was drawn from (None: all kinds)
    candidate: str | None = None  # the candidate condition applied (CANDIDATES; None: none)
    slope: float | None = None  # d ln MFU / d ln x of a trend candidate (None: none)

    @property
    def fallback(self) -> bool:
        """True when the prior dropped a condition (too few observations matched all of them)."""
        return len(self.level) < len(LEVELS[0])

    def sampler(self) -> uncertainty.Empirical:
        """The observations as a Monte Carlo input (drawn from their empirical distribution)."""
        return uncertainty.Empirical(self.values)

    def relative(self) -> tuple[float, float]:
        """(P10 / P50, P90 / P50): the prior's spread relative to its median."""
        return self.p10 / self.p50, self.p90 / self.p50

    def describe(self, *, brief: bool = False) -> str:
        """In words: which observations, e.g. "6 published MFUs of hopper dense runs at the BF16
        peak"; unless ``brief``, also which condition was dropped for too few matches."""
        c = {k: self.condition[k] for k in self.level}
        what = " ".join(str(c[k]) for k in ("generation", "architecture") if k in c) or "all"
        dropped = [f"{k} {self.condition[k]}" for k in LEVELS[0] if k not in self.level]
        fallback = f" (fewer than {MIN_OBSERVATIONS} match {', '.join(dropped)}: that condition is dropped)"
        if self.kind == "accounted":
            what = f"{len(self.values)} accounted utilisations (disclosed compute ÷ GPU-hours) of {what} runs"
        else:
            what = f"{len(self.values)} published MFUs of {self.kind + ' ' if self.kind else ''}{what} runs"
        sized = (
            "" if self.slope is None else f", moved to the run's {self.candidate} (slope {self.slope:+.3f} in ln-ln)"
        )
        if "era" in c:
            sized += f", started {c['era']} 2023-07"
        return f"{what} at the {str(c['precision']).upper()} peak{sized}" + (
            fallback if self.fallback and not brief else ""
        )


def usable(observations: pd.DataFrame) -> pd.DataFrame:
    """The observations the prior may use: those whose ``excluded`` cell is empty (a weak or
    unrepresentative row carries its reason there).

    Source: definition.
    """
    return observations[observations["excluded"].fillna("").astype(str).str.strip() == ""]


#: The kinds of observation whose MFU may set the cap (rule (1) of the module docstring):
#: steady-state MFUs as their sources state them; an accounted run's utilisation never.
CAP_KINDS = ("production", "benchmark")


def cap_rows(observations: pd.DataFrame) -> pd.DataFrame:
    """The observations that may set the cap (rule (1) of the module docstring): usable
    (:func:`usable`), of a kind in :data:`CAP_KINDS`, on a stated FLOP basis (``flop_basis`` not
    ``unconverted``) and sharing no run or code with any validation case (``validation_overlap``
    empty).

    Source: definition.
    """
    rows = usable(observations)
    keep = (
        rows["kind"].isin(CAP_KINDS)
        & (rows["flop_basis"] != "unconverted")
        & (rows["validation_overlap"].fillna("").astype(str).str.strip() == "")
    )
    return rows[keep]


def ceiling(
    observations: pd.DataFrame, *, generation: str, vendor: str, precision: str, min_count: int = MIN_OBSERVATIONS
) -> tuple[float, str, str]:
    """The cap of an MFU draw [share of the dense peak at ``precision``] on a chip of ``generation``
    made by ``vendor`` (``chips.csv`` ``generation``, ``vendor``), the observation id that sets it
    and where it was measured (rule (2) of the module docstring): the highest MFU of
    :func:`cap_rows` at ``precision`` on the generation where at least ``min_count`` such rows
    exist (where: the generation), else on the vendor's chips where at least ``min_count`` exist
    there (``"<vendor> chips"``), else on every chip (``"any chip"``). ``observations`` needs a
    ``vendor`` column. Raises ValueError when no row at ``precision`` may set a cap.

    Source: definition.
    """
    rows = cap_rows(observations)
    rows = rows[rows["precision"] == precision]
    if not len(rows):
        raise ValueError(f"no MFU observation at precision {precision!r} may set a cap; allowed: bf16, fp8")
    levels = (
        (rows["chip_generation"] == generation, generation),
        (rows["vendor"] == vendor, f"{vendor} chips"),
    )
    chosen, where = next(((rows[m], w) for m, w in levels if m.sum() >= min_count), (rows, "any chip"))
    best = chosen["mfu"].astype(float).idxmax()
    return float(chosen.loc[best, "mfu"]), str(best), where


def disjoint_from(observations: pd.DataFrame, case_ids) -> pd.DataFrame:
    """The observations that share no run with the validation cases ``case_ids``: rows whose
    ``validation_overlap`` (``;``-separated case ids) names none of them, so a prior fitted on
    the result is independent of those cases.

    Source: definition.
    """
    cases = {str(c) for c in ([case_ids] if isinstance(case_ids, str) else case_ids)}
    overlap = observations["validation_overlap"].fillna("").astype(str)
    keep = [not (cases & {c.strip() for c in cell.split(";") if c.strip()}) for cell in overlap]
    return observations[keep]


def trend_adjusted(mfu, x, target: float) -> tuple[np.ndarray, float]:
    """Observed MFUs [share] moved to a run whose candidate value is ``target`` (active
    parameters, chips, sequence length or tokens per parameter) along their log-linear trend in
    it, and the trend's slope b: the least-squares fit of y = ln MFU on u = ln x over the
    observations with a value (b = Σ(u − ū)(y − ȳ) / Σ(u − ū)², a = ȳ − b·ū), each observation's
    residual kept: value_i = exp(a + b·ln target + (y_i − a − b·u_i)) = MFU_i × (target / x_i)^b.
    Observations without a value (NaN) are not moved; all values equal or fewer than two: b = 0,
    the MFUs unchanged. The trend candidates of :data:`CANDIDATES` (none adopted: see the module
    docstring).

    Source: definition.
    """
    y = np.log(np.asarray(mfu, dtype=float))
    u = np.log(np.asarray(x, dtype=float))
    known = ~np.isnan(u)
    spread = ((u[known] - u[known].mean()) ** 2).sum() if known.sum() >= 2 else 0.0
    slope = 0.0
    if spread > 0:
        slope = float(((u[known] - u[known].mean()) * (y[known] - y[known].mean())).sum() / spread)
    moved = np.where(known, y + slope * (np.log(float(target)) - np.where(known, u, 0.0)), y)
    return np.exp(moved), slope


def covariate(observations: pd.DataFrame, name: str) -> pd.Series:
    """Each observation's value of candidate ``name`` (:data:`CANDIDATES`): its column as a number
    (``tokens_per_param`` = tokens / active parameters), or for a split ``after`` (on or after the
    threshold month) / ``before``; NaN where the observation has no value.

    Source: definition.
    """
    c = CANDIDATES[name]
    if c.form == "split":
        month = observations[c.column].fillna("").astype(str).str.strip()
        return pd.Series(
            np.where(month == "", None, np.where(month >= c.threshold, "after", "before")), index=observations.index
        )
    if name == "tokens_per_param":
        return pd.to_numeric(observations["tokens"], errors="coerce") / observations["active_params"].astype(float)
    return pd.to_numeric(observations[c.column], errors="coerce").astype(float)


def direction(observations: pd.DataFrame, name: str, *, kinds: tuple[str, ...] = KINDS) -> float:
    """The fitted direction of candidate ``name`` on the fit data: the within-group slope of
    y = ln MFU on u (ln of the value for a trend; 1 after / 0 before for a split) over the usable
    observations of ``kinds`` with a value, each group (kind × generation × architecture ×
    precision) centred on its own means: b = Σ(u − ū_g)(y − ȳ_g) / Σ(u − ū_g)² (0 when the values
    do not vary within any group). Its sign is what the adoption rule compares with the expected.

    Source: definition.
    """
    rows = usable(observations)
    rows = rows[rows["kind"].isin(kinds)]
    value = covariate(rows, name)
    rows, value = rows[value.notna()], value[value.notna()]
    u = (value == "after").astype(float) if CANDIDATES[name].form == "split" else np.log(value.astype(float))
    frame = pd.DataFrame({"u": u, "y": np.log(rows["mfu"].astype(float))})
    groups = [rows[k] for k in ("kind", "chip_generation", "architecture", "precision")]
    centred = frame - frame.groupby(groups).transform("mean")
    spread = float((centred["u"] ** 2).sum())
    return float((centred["u"] * centred["y"]).sum() / spread) if spread > 0 else 0.0


def prior(
    observations: pd.DataFrame,
    *,
    generation: str,
    architecture: str = "dense",
    precision: str = "bf16",
    candidate: str | None = None,
    at=None,
    kinds: tuple[str, ...] = KINDS,
    min_count: int = MIN_OBSERVATIONS,
) -> Prior:
    """The MFU prior [share of the dense peak at ``precision``] for a run on a chip of
    ``generation`` (``chips.csv`` ``generation``), ``architecture`` (``dense`` | ``moe``) and
    ``precision`` (``bf16`` | ``fp8``): the usable observations (:func:`usable`) matching the
    first level of :data:`LEVELS` at which at least ``min_count`` match: generation ×
    architecture × precision, else architecture × precision, else precision — first among the
    observations of the first kind in ``kinds`` (default :data:`KINDS`: accounted runs, whose
    utilisation is what a whole run achieved as its developer accounted it, then production
    runs' published MFUs), then the next kind, and where no kind has enough at any level, among
    all kinds. P10 / P50 / P90 = :func:`analysis.formulas.uncertainty.percentiles` of the
    matching MFUs. With a ``candidate`` of :data:`CANDIDATES` and the run's value ``at`` (its
    :func:`covariate`), the candidate applies (which no report uses): a split is a first level
    before the others, a trend moves the matching MFUs to ``at`` (:func:`trend_adjusted`).
    Raises ValueError when not even the precision level has ``min_count``.

    Source: definition.
    """
    rows = usable(observations)
    given = dict(candidate=candidate, at=at, min_count=min_count)
    for kind in kinds:
        try:
            found = prior(
                rows[rows["kind"] == kind],
                generation=generation,
                architecture=architecture,
                precision=precision,
                kinds=(),
                **given,
            )
            return replace(found, kind=kind)
        except ValueError:
            pass  # too few of that kind at every level: the next kind
    condition = {"generation": generation, "architecture": architecture, "precision": precision}
    levels, form = LEVELS, CANDIDATES[candidate].form if candidate else None
    if form == "split":
        levels, condition["era"] = (("era", *LEVELS[0]), *LEVELS), at
    for level in levels:
        match = np.ones(len(rows), dtype=bool)
        for name in level:
            column = covariate(rows, candidate) if name == "era" else rows[COLUMNS[name]]
            match &= (column == condition[name]).to_numpy()
        if match.sum() >= min_count:
            chosen = rows[match]
            values, slope = chosen["mfu"].to_numpy(dtype=float), None
            if form == "trend":
                values, slope = trend_adjusted(values, covariate(chosen, candidate), at)
            values = np.sort(values)
            p = uncertainty.percentiles(values)
            return Prior(
                values=values,
                obs_ids=tuple(chosen.index.astype(str)),
                level=level,
                condition=condition,
                p10=p["p10"],
                p50=p["p50"],
                p90=p["p90"],
                candidate=candidate,
                slope=slope,
            )
    raise ValueError(f"fewer than {min_count} usable MFU observations at precision {precision!r}")


def leave_one_out(
    observations: pd.DataFrame,
    *,
    kinds: tuple[str, ...] | None = None,
    candidate: str | None = None,
    min_count: int = MIN_OBSERVATIONS,
) -> pd.DataFrame:
    """Leave-one-out errors of the prior's median: for each usable observation of ``kinds``
    (None: every kind; :data:`KINDS`, accounted and production runs, is the data the prior is
    fitted on), the prior for its own generation, architecture and precision (and, with a
    ``candidate`` of :data:`CANDIDATES`, its own value of it where it has one; without one, the
    prior without the candidate) fitted on the other usable observations, of its own kind first
    (an accounted run against accounted runs, a published MFU against published MFUs of its kind;
    all kinds where too few match), and error = P50 / MFU − 1 [share]. One row per observation
    (indexed like ``observations``): ``mfu``, ``p10``, ``p50``, ``p90``, ``error``, ``inside``
    (P10 ≤ MFU ≤ P90), ``level`` (the conditions that held, ``;``-separated) and ``slope`` (of a
    trend candidate; NaN otherwise).

    Source: definition.
    """
    rows = usable(observations)
    held_out = rows if kinds is None else rows[rows["kind"].isin(kinds)]
    values = covariate(rows, candidate) if candidate else pd.Series(None, index=rows.index, dtype=object)
    out = {}
    for obs_id, row in held_out.iterrows():
        at = values[obs_id]
        fitted = prior(
            rows.drop(index=obs_id),
            generation=row["chip_generation"],
            architecture=row["architecture"],
            precision=row["precision"],
            candidate=candidate if pd.notna(at) else None,
            at=at if pd.notna(at) else None,
            kinds=(row["kind"],),
            min_count=min_count,
        )
        mfu = float(row["mfu"])
        out[obs_id] = {
            "mfu": mfu,
            "p10": fitted.p10,
            "p50": fitted.p50,
            "p90": fitted.p90,
            "error": fitted.p50 / mfu - 1,
            "inside": fitted.p10 <= mfu <= fitted.p90,
            "level": ";".join(fitted.level),
            "slope": np.nan if fitted.slope is None else fitted.slope,
        }
    return pd.DataFrame.from_dict(out, orient="index")


#: The adoption rule of a candidate (pre-registered, module docstring): its leave-one-out mean
#: |error| at least this much [share] below the prior without it, its coverage inside this band.
ADOPT_GAIN, ADOPT_COVERAGE = 0.02, (0.70, 0.90)


def adopted(base: pd.DataFrame, tried: pd.DataFrame, *, fitted_direction: float, candidate: str) -> tuple[bool, str]:
    """Whether a candidate passes the pre-registered rule, and why not: ``tried`` (its
    :func:`leave_one_out`) has mean |error| ≤ that of ``base`` (the prior without it) −
    :data:`ADOPT_GAIN`, coverage (share of P10 ≤ MFU ≤ P90) within :data:`ADOPT_COVERAGE`, and
    ``fitted_direction`` (:func:`direction`) of the expected sign of :data:`CANDIDATES`.

    Source: definition.
    """
    c = CANDIDATES[candidate]
    error, base_error, coverage = tried["error"].abs().mean(), base["error"].abs().mean(), tried["inside"].mean()
    failed = [
        *(["no expected direction stated"] if c.expected is None else []),
        *(["error not 2 points lower"] if error > base_error - ADOPT_GAIN else []),
        *(["coverage outside 70–90 %"] if not ADOPT_COVERAGE[0] <= coverage <= ADOPT_COVERAGE[1] else []),
        *(["direction not the expected"] if c.expected is not None and np.sign(fitted_direction) != c.expected else []),
    ]
    return not failed, "; ".join(failed) or "passes"
