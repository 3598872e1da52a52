"""docs/reference.md 1b: a sigmoid neuron from primitive gates, then with one fused sigmoid gate."""

from microgradkr import format_trace
from microgradkr.examples import sigmoid_neuron

for fused in (False, True):
    f, inputs = sigmoid_neuron(fused=fused)
    f.backward()
    print("== one fused sigmoid gate, local s(1 - s)" if fused else "== primitive gates")
    print(format_trace(f))
    print(", ".join(f"d{n} = {v.grad:.5f}" for n, v in inputs.items()), "\n")
print("Both give dw0 = -0.19661, dx0 = 0.39322, dw1 = -0.39322, dx1 = -0.58984, dw2 = 0.19661.")
