"""The whole chain rule for one weight, with every factor's number.

For ``W_l[i, j]``: ∂L/∂W_l[i,j] = Σ_k ∂L/∂a_l[k,j] · ∂a_l/∂z_l[k,j] · ∂z_l/∂W_l[i,j], where
∂z_l/∂W_l[i,j] = a_{l-1}[k,i], and ∂L/∂a_l[k,j] comes from the layer above, down from the loss.
This is what the window shows when the user clicks an edge.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.iteration import IterationTrace
from engine.symbols import display_symbol, format_factor, format_number


@dataclass(frozen=True)
class SampleChain:
    """The chain for one sample k: the factors, their product, and how ∂L/∂a was reached."""

    sample: int
    factors: tuple[tuple[str, float], ...]  # (symbol with index, value), multiplied in order
    product: float
    upstream: tuple[str, ...]  # lines explaining ∂L/∂a (or ∂L/∂z at the output) from the layers above


@dataclass(frozen=True)
class WeightChain:
    """∂L/∂W_l[i,j] as the sum over samples of a product of chain-rule factors."""

    layer: int
    i: int
    j: int
    value: float
    samples: tuple[SampleChain, ...]
    text: str

    @property
    def element(self) -> str:
        return f"∂L/∂W{self.layer}[{self.i},{self.j}]"


def weight_chain(trace: IterationTrace, layer: int, i: int, j: int) -> WeightChain:
    """Return the chain for W_layer[i, j] from one traced iteration."""
    steps = {step.key: step for step in trace.steps if step.phase != "update"}
    if f"dW{layer}" not in steps:
        raise ValueError(f"layer {layer}: no such layer in this network")
    dW = steps[f"dW{layer}"].value
    if not (0 <= i < dW.shape[0] and 0 <= j < dW.shape[1]):
        raise ValueError(f"W{layer}[{i},{j}]: index outside shape {dW.shape}")

    depth = max(step.layer for step in trace.steps if step.layer)
    below = steps[f"z{layer}"].operand(f"a{layer - 1}")
    below_symbol = display_symbol(f"a{layer - 1}")
    dz = steps[f"dz{layer}"]
    fused = dz.kind == "chain_fused"

    samples = []
    for k in range(below.shape[0]):
        if layer == depth and (fused or dz.kind == "chain_jacobian"):
            factors = ((f"∂L/∂z{layer}[{k},{j}]", float(dz.value[k, j])),)
            upstream = (dz.explain((k, j)).text, _output_route(steps, layer, k, j))
        else:
            da = steps[f"da{layer}"]
            dadz = steps[f"dadz{layer}"]
            factors = (
                (f"∂L/∂a{layer}[{k},{j}]", float(da.value[k, j])),
                (f"∂a{layer}/∂z{layer}[{k},{j}]", float(dadz.value[k, j])),
            )
            upstream = _upstream_lines(steps, layer, k, j, depth)
        factors += ((f"∂z{layer}/∂W{layer}[{i},{j}] = {below_symbol}[{k},{i}]", float(below[k, i])),)
        product = 1.0
        for _, value in factors:
            product *= value
        samples.append(SampleChain(k, factors, product, upstream))

    value = float(dW[i, j])
    if len(samples[0].factors) == 2:
        head = f"∂L/∂W{layer}[{i},{j}] = Σ_k ∂L/∂z{layer}[k,{j}] · ∂z{layer}/∂W{layer}[{i},{j}]"
    else:
        head = (f"∂L/∂W{layer}[{i},{j}] = Σ_k ∂L/∂a{layer}[k,{j}] · ∂a{layer}/∂z{layer}[k,{j}]"
                f" · ∂z{layer}/∂W{layer}[{i},{j}]")
    return WeightChain(layer, i, j, value, tuple(samples), _chain_text(head, value, samples))


def _output_route(steps, layer, k, j) -> str:
    """Write ∂L/∂z_layer[k,j] of the output layer as ∂L/∂a · ∂a/∂z, through the Jacobian for softmax."""
    da = steps[f"da{layer}"].value
    dadz = steps[f"dadz{layer}"].value
    if dadz.ndim == 3:
        parts = [
            f"∂L/∂a{layer}[{k},{q}]·∂a{layer}[{k},{q}]/∂z{layer}[{k},{j}]" for q in range(da.shape[1])
        ]
        numbers = [f"{format_factor(da[k, q])}·{format_factor(dadz[k, q, j])}" for q in range(da.shape[1])]
        total = float(sum(da[k, q] * dadz[k, q, j] for q in range(da.shape[1])))
    else:
        parts = [f"∂L/∂a{layer}[{k},{j}]·∂a{layer}/∂z{layer}[{k},{j}]"]
        numbers = [f"{format_factor(da[k, j])}·{format_factor(dadz[k, j])}"]
        total = float(da[k, j] * dadz[k, j])
    return f"through ∂L/∂a · ∂a/∂z: {' + '.join(parts)} = {' + '.join(numbers)} = {format_number(total)}"


def _upstream_lines(steps, layer, k, j, depth) -> tuple[str, ...]:
    """Explain ∂L/∂a_layer[k,j] through ∂L/∂z of every layer above, one line a layer."""
    lines = [steps[f"da{layer}"].explain((k, j)).text]
    for above in range(layer + 1, depth + 1):
        dz = steps[f"dz{above}"].value[k]
        values = ", ".join(format_number(v) for v in dz)
        lines.append(f"∂L/∂z{above}[{k},:] = ({values})  ← {steps[f'dz{above}'].formula}")
    return tuple(lines)


def _chain_text(head, value, samples) -> str:
    lines = [head]
    for sample in samples:
        factors = " · ".join(format_factor(number) for _, number in sample.factors)
        lines.append(f"  sample {sample.sample}: {factors} = {format_number(sample.product)}")
        for symbol, number in sample.factors:
            lines.append(f"    {symbol} = {format_number(number)}")
        for line in sample.upstream:
            lines.append(f"      {line}")
    products = " + ".join(format_factor(sample.product) for sample in samples)
    lines.append(f"  sum over {len(samples)} samples: {products} = {format_number(value)}")
    return "\n".join(lines)
