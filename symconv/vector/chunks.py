"""Instance proofs on the vector carrier, in chunks of the weight so memory stays bounded.

A chunk keeps the weight variables with flat index in ``[a, b)`` and sets the others to zero; both
sides of the theorem run on the *full* layer (the same code path as without chunks: the carrier
never lets code look at values).  Why this proves the whole identity: every monomial type a side
can produce is tracked per tensor, independently of which entries happen to be zero, and the
proof requires that no type has two weight factors.  Then every monomial of ``left - right`` has
at most one weight variable: one with no weight variable appears in every chunk, one with a
weight variable ``w_i`` appears exactly in the chunk holding ``i``, both with the coefficient it
has in the full difference.  So the difference vanishes exactly when it vanishes in every chunk.
A difference found in a chunk is a difference of the full layer, with a witness that sets the
variables outside the chunk to 0.

>>> from symconv import ConvSpec
>>> from symconv.theorems import get_theorem
>>> proof = prove_chunked(get_theorem("dot-equals-im2col"), ConvSpec((6, 6), (3, 3),
...                       in_channels=2, out_channels=4), chunk_products=100)
>>> bool(proof), proof.products, proof.steps[0][:29]
(True, 1152, 'chunk: 12 chunks of the weigh')
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from ..engine import Counterexample, Proof
from ..spec import ConvSpec
from .array import FormArray, space_tensor
from .compare import METHOD, SortedKeys, difference, equal
from .space import Space, UnsupportedError

__all__ = ["prove_chunked", "chunk_bounds", "CHUNK_PRODUCTS"]

#: Products of one side per chunk (a chunk's peak memory is about 60 bytes per product).
CHUNK_PRODUCTS = 1 << 23
#: Below this many products per side, one process does all chunks.
PARALLEL_PRODUCTS = 1 << 24


def chunk_bounds(spec: ConvSpec, chunk_products: int = 0) -> list[tuple[int, int]]:
    """Ranges of flat weight indices, each giving about ``chunk_products`` products.

    >>> chunk_bounds(ConvSpec((8, 8), (3, 3), out_channels=4), 80)
    [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14), (14, 16), (16, 18), (18, 20), \
(20, 22), (22, 24), (24, 26), (26, 28), (28, 30), (30, 32), (32, 34), (34, 36)]
    """
    chunk_products = chunk_products or CHUNK_PRODUCTS
    size = math.prod(spec.weight_shape)
    total = spec.products_per_output * math.prod(spec.output_shape)
    step = max(1, size * max(chunk_products, 1) // max(total, 1))
    per_filter = math.prod(spec.weight_shape[1:])
    if step >= per_filter:  # whole filters: both sides' parts then match one to one
        step -= step % per_filter
    return [(a, min(a + step, size)) for a in range(0, size, step)]


def _weight_degree(types: frozenset[tuple[str, ...]]) -> int:
    return max((t.count("w") for t in types), default=0)


def _run_chunk(theorem: Any, spec: ConvSpec, bounds: tuple[int, int], chunked: bool
               ) -> tuple[bool, np.ndarray, Counterexample | None, int, int]:
    from ..theorems import get_theorem

    thm = get_theorem(theorem) if isinstance(theorem, str) else theorem
    space = Space({"x": spec.input_shape, "w": spec.weight_shape})
    x = space_tensor(space, "x")
    w = space_tensor(space, "w", keep=bounds)
    if thm.chain:
        return _run_chain(thm.chain, x, w, spec, chunked)
    left, right = thm.left(x, w, spec), thm.right(x, w, spec)
    _check_sides((left, right), chunked)
    products = left.term_count()
    if equal(left, right):
        return True, np.zeros(0, np.int64), None, products, left.size
    diff = difference(left, right)
    assert diff is not None
    return False, diff.positions, diff.counterexample, products, left.size


def _check_sides(sides: tuple[Any, ...], chunked: bool) -> None:
    if not all(isinstance(s, FormArray) for s in sides):
        raise UnsupportedError("theorem sides: expected tensors of forms from the vector carrier")
    if chunked and _weight_degree(frozenset().union(*(s.types for s in sides))) > 1:
        raise UnsupportedError("chunks: a side has products of two weight variables, so a "
                               "proof by chunks of the weight would not cover them")


def _run_chain(chain: tuple[Any, ...], x: FormArray, w: FormArray, spec: ConvSpec,
               chunked: bool) -> tuple[bool, np.ndarray, Counterexample | None, int, int]:
    """``stack(f0..fk-1) == stack(f1..fk)``, each ``f_i`` computed and sorted once."""
    previous: tuple[tuple[int, ...], SortedKeys] | None = None
    products = size = 0
    for i, f in enumerate(chain):
        out = f(x, w, spec)  # one formulation at a time: only its packed keys are kept
        _check_sides((out,), chunked)
        if i < len(chain) - 1:
            products += out.term_count()
        keys = SortedKeys(out)
        if previous is not None:
            shape, p_keys = previous
            if shape != out.shape or not p_keys.same(keys):  # coefficients, or a difference
                return _stacked([f(x, w, spec) for f in chain])
            del p_keys
        size = out.size
        previous = (out.shape, keys)
    return True, np.zeros(0, np.int64), None, products, size * (len(chain) - 1)


def _stacked(outs: list[FormArray]) -> tuple[bool, np.ndarray, Counterexample | None, int, int]:
    """The chain compared as the two stacks (for the counterexample, or shapes that differ)."""
    left, right = np.stack(outs[:-1]), np.stack(outs[1:])
    diff = difference(left, right)
    if diff is None:
        return True, np.zeros(0, np.int64), None, left.term_count(), left.size
    return False, diff.positions, diff.counterexample, left.term_count(), left.size


def _keep_freed_memory() -> None:
    """In a worker process: ask glibc to keep freed memory instead of returning it to the
    system, so the next chunk's arrays do not page-fault afresh (a third of the time otherwise).
    Tuning only; without glibc nothing happens."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    libc.mallopt(m_mmap_threshold, 1 << 30)
    libc.mallopt(m_trim_threshold, 1 << 34)
    libc.mallopt(m_top_pad, 1 << 28)


def prove_chunked(theorem: Any, spec: ConvSpec, *, chunk_products: int | None = None,
                  workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> Proof:
    """Prove ``theorem`` on ``spec`` with the vector carrier, chunk by chunk of the weight.

    ``workers`` processes share the chunks (default: 2 when there are many products and
    several cores); ``progress(done, total)`` hears about each finished chunk.
    """
    start = time.perf_counter()
    bounds = chunk_bounds(spec, chunk_products or CHUNK_PRODUCTS)
    if "w" not in getattr(theorem, "uses", "xw"):  # sides without the weight: nothing to chunk
        bounds = [(0, math.prod(spec.weight_shape))]
    chunked = len(bounds) > 1
    total = spec.products_per_output * math.prod(spec.output_shape)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if total >= PARALLEL_PRODUCTS and chunked else 1
    name = theorem.name
    from ..theorems import _REGISTRY

    portable = _REGISTRY.get(name) is theorem
    results = []
    # workers look the theorem up by name: they must inherit this process's registry (fork)
    fork = "fork" in multiprocessing.get_all_start_methods()
    if workers > 1 and portable and fork:
        with ProcessPoolExecutor(max_workers=workers, initializer=_keep_freed_memory,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_run_chunk, name, spec, b, chunked) for b in bounds]
            for i, f in enumerate(futures):
                results.append(f.result())
                if progress:
                    progress(i + 1, len(bounds))
    else:
        for i, b in enumerate(bounds):
            results.append(_run_chunk(theorem, spec, b, chunked))
            if progress:
                progress(i + 1, len(bounds))
    return _combine(name, spec, bounds, results, workers, time.perf_counter() - start)


def _combine(name: str, spec: ConvSpec, bounds: list[tuple[int, int]], results: list[Any],
             workers: int, elapsed: float) -> Proof:
    products = sum(r[3] for r in results)
    positions = results[0][4]
    statement = f"{name} on {spec.describe()}"
    how = (f"chunk: {len(bounds)} chunks of the weight ({bounds[0][1] - bounds[0][0]} weight "
           f"variables each), {workers} process{'es' if workers > 1 else ''}; a chunk keeps its "
           "weight variables and zeroes the rest, and no side has two weight factors in a "
           "product, so equality in every chunk is equality of the whole layer")
    if len(bounds) == 1:
        how = "one chunk: the whole weight"
    failing = [r for r in results if not r[0]]
    if not failing:
        steps = (how, f"{products} products compared as packed term arrays (equal in storage "
                 "order, or equal once sorted)",
                 ("every chunk has" if len(bounds) > 1 else "the two sides have")
                 + " identical canonical term arrays")
        return Proof(statement, True, METHOD, positions, products, elapsed, steps)
    differing = np.unique(np.concatenate([r[1] for r in failing]))
    first = min(failing, key=lambda r: int(r[1][0]) if r[1].size else -1)
    cex = first[2]
    if differing.size:
        from dataclasses import replace

        shown = tuple(tuple(int(i) for i in np.unravel_index(int(p), cex.left_shape))
                      for p in differing[:len(cex.positions)])
        cex = replace(cex, differing=int(differing.size), positions=shown)
    steps = (how, f"{products} products compared as canonical term arrays",
             f"{int(differing.size)} of {positions} positions differ")
    return Proof(statement, False, METHOD, positions, products, elapsed, steps, cex)
