"""Newton's method with second derivatives from backprop: f(x) = x^4 - 2x^2 from x = 2.

x <- x - f'(x) / f''(x): f' comes from backward(create_graph=True), f'' from differentiating
that gradient again. Gradient descent (lr = 0.01) is run beside it for the step count.
"""

from microgradkr import Value, grad


def f(x):
    return x**4 - 2 * x**2


def newton(x0, tol=1e-10, max_steps=100):
    x = x0
    for step in range(1, max_steps + 1):
        xv = Value(x)
        (d1,) = grad(f(xv), [xv], create_graph=True)
        (d2,) = grad(d1, [xv])
        x -= d1.data / d2
        print(f"  newton {step}: x = {x:.12f}  (f' = {d1.data:.3e}, f'' = {d2:.4f})")
        if abs(x - 1.0) < tol:
            return x, step
    return x, max_steps


def gradient_descent(x0, lr=0.01, tol=1e-10, max_steps=10_000):
    x = x0
    for step in range(1, max_steps + 1):
        xv = Value(x)
        f(xv).backward()
        x -= lr * xv.grad
        if abs(x - 1.0) < tol:
            return x, step
    return x, max_steps


if __name__ == "__main__":
    print("Newton's method on f(x) = x^4 - 2x^2 from x = 2:")
    x, n_newton = newton(2.0)
    x_gd, n_gd = gradient_descent(2.0)
    print(f"Newton reaches x = {x:.12f} in {n_newton} steps;")
    print(f"gradient descent (lr 0.01) reaches x = {x_gd:.12f} in {n_gd} steps.")
