"""The attack on the public API: every public callable, called once well and then with each of its
arguments replaced by a bad one. A call passes if it returns, or raises a typed error (TypeError,
ValueError, IndexError, KeyError, NotImplementedError, RuntimeError or a subclass) from
microgradkr's own code (the innermost frame is in ``microgradkr/``, not an ``assert``) whose message
names the argument or the op. ``python tests/bad_calls.py`` prints every failure and the count.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import microgradkr as mg

sys.path.insert(0, str(Path(__file__).parent))
from bad_calls_methods import method_calls, nn_calls, optim_calls, testing_calls  # noqa: E402
from bad_calls_table import Call, bad_values, module_calls  # noqa: E402

TYPED = (
    TypeError,
    ValueError,
    IndexError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    FileNotFoundError,
)  # a missing file: as open() and torch.load say it
# what Python raises for numbers (1 / 0, 2.0 ** 1e308): accepted from our code naming the op
DOMAIN = (ZeroDivisionError, OverflowError)
PACKAGE = str(Path(mg.__file__).parent)
TIMEOUT = 3  # seconds a single bad call may take before it counts as a hang


class Hang(BaseException):
    """A call that did not come back in TIMEOUT seconds (BaseException: no except catches it)."""


def all_calls(tmp: Path) -> Iterator[Call]:
    yield from module_calls(tmp)
    yield from nn_calls()
    yield from optim_calls()
    yield from method_calls()
    yield from testing_calls()


# -- running the attack ------------------------------------------------------------------------


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hang


def verdict(call: Call, arg: str, bad: Any, run: Callable[[], Any]) -> str | None:
    """None if the call passes, else why it fails."""
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(TIMEOUT)
    try:
        run()
    except Hang:
        return f"hangs (> {TIMEOUT} s)"
    except Exception as err:  # noqa: BLE001  # every kind is judged below
        return judge(call, arg, err)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return None


def judge(call: Call, arg: str, err: BaseException) -> str | None:
    """Why ``err`` is not a good answer to the bad argument ``arg`` (None if it is)."""
    frames = traceback.extract_tb(err.__traceback__)
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    msg = str(err)
    head = f"{type(err).__name__} at {where}: {msg[:160]!r}"
    ours = bool(frames) and frames[-1].filename.startswith(PACKAGE)
    if isinstance(err, DOMAIN) and ours and any(w in msg for w in (*call.op, call.label)):
        return None  # a math domain error that names the op and the value: the design's rule
    if frames and Path(frames[-1].filename).name.startswith("bad_calls"):
        return None  # raised in the caller's own function (hessian's f of a Value), or by
        # Python's operator protocol: what the caller wrote fails, not the library
    if not isinstance(err, TYPED) or isinstance(err, AssertionError):
        return f"untyped {head}"
    if not frames or not frames[-1].filename.startswith(PACKAGE):
        return f"raw {head}"
    if len(msg) > 2000:
        return f"too long ({len(msg)} chars) {head[:200]}"
    words = {arg, call.label.split(".")[-1].split("(")[0], *call.op}
    low = msg.lower()
    if not any(w and w.lower().strip("_") in low for w in words):
        return f"unnamed {head} (names none of {sorted(words)})"
    return None


def attack(tmp: Path) -> tuple[int, list[str]]:
    """(calls made, failures): each call's arguments in turn replaced by each bad value."""
    n, failures = 0, []
    for call in all_calls(tmp):
        if VERBOSE:
            print("#", call.label, time.time(), flush=True, file=sys.stderr)
        why = verdict(call, "good", None, lambda c=call: c.fn(*c.args, **c.kwargs))
        if why is not None and "GraphvizNotFoundError" in why:
            continue  # a picture saved where neither dot nor graphviz-pure renders: not attacked
        if why is not None:
            failures.append(f"GOOD CALL {call.label}: {why}")
            continue
        slots = [
            (i, call.names[i] if i < len(call.names) else f"arg{i}") for i in range(len(call.args))
        ]
        for key, name in [*slots, *((k, k) for k in call.kwargs)]:
            for bad_name, bad in bad_values():
                args, kwargs = list(call.args), dict(call.kwargs)
                if isinstance(key, int):
                    args[key] = bad
                else:
                    kwargs[key] = bad
                n += 1
                why = verdict(call, name, bad, lambda a=args, k=kwargs, c=call: c.fn(*a, **k))
                if why is not None:
                    failures.append(f"{call.label}({name}={bad_name}): {why}")
                    if VERBOSE:
                        print(failures[-1], flush=True)
    return n, failures


VERBOSE = False

if __name__ == "__main__":
    import resource

    VERBOSE = True
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, resource.RLIM_INFINITY))
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)  # a bad path argument ('a') is written in here, not in the checkout
        n, failures = attack(Path(d))
    print("\n".join(failures))
    print(f"{len(failures)} failures of {n} bad calls", file=sys.stderr)
