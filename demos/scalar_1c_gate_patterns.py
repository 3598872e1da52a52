"""docs/reference.md 1c: add distributes, mul switches, max routes, and fan-out sums."""

from microgradkr import backward_steps, format_trace
from microgradkr.examples import gate_patterns
from microgradkr.trace import node_names

f, v = gate_patterns()
f.backward()
print(format_trace(f), "\n")

names = node_names(f)
for step in backward_steps(f):
    flows = ", ".join(f"{names[e.parent]} gets {e.contribution:g}" for e in step.edges)
    print(f"{step.pattern:>11}: {names[step.node]} receives {step.upstream:g}; {flows}")
print(f"\nx is used twice: its gradient {v['x'].grad:g} = 2 * y + 1 is the sum of both uses.")
