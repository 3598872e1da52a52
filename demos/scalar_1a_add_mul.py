"""docs/reference.md 1a: f = (x + y) * z at x = -2, y = 5, z = -4, traced gate by gate."""

from microgradkr import Value, format_trace

x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
q = x + y  # add gate: a distributor
q.label = "q"
f = q * z  # mul gate: a switcher
f.label = "f"
f.backward()

print(format_trace(f))
print(f"\ndf/dx = {x.grad}, df/dy = {y.grad}, df/dz = {z.grad}  (docs/reference.md 1a: -4, -4, 3)")
