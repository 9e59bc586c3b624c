"""Searches the structure kernels share: the first bar reaching a level, and a segment
tree of minima. Read beside ``rust/core/src/structure/search.rs``.
"""

from __future__ import annotations

import heapq
import numpy as np

from .._jit import jit


@jit
def _first_reaching(upper, lower, starts, levels, up, strict):
    """For queries sorted by start, the first bar from ``start`` whose ``upper`` value passes the
    level upward (or reaches it unless ``strict``) where ``up``, else whose ``lower`` value passes
    it downward; -1 if none. One pass forward, the queries begun and unanswered in two heaps,
    the easiest on top: O(n + q log q) (see the Rust kernel)."""
    n = len(upper)
    found = np.full(len(starts), -1, dtype=np.int64)
    # inclusive bounds (a strict ``v > level`` is ``v >= nextafter(level, inf)``), the down
    # ones negated so both heaps are min-heaps; seeded for numba's typing, then emptied
    ups = [(0.0, 0)]
    downs = [(0.0, 0)]
    ups.pop()
    downs.pop()
    nxt = 0
    s = 0
    while s < n:
        while nxt < len(starts) and starts[nxt] <= s:
            level = levels[nxt]
            if up[nxt]:
                bound = np.nextafter(level, np.inf) if strict else level
                if not np.isnan(level) and not (strict and level == np.inf):
                    heapq.heappush(ups, (bound, nxt))
            else:
                bound = np.nextafter(level, -np.inf) if strict else level
                if not np.isnan(level) and not (strict and level == -np.inf):
                    heapq.heappush(downs, (-bound, nxt))
            nxt += 1
        stop = min(starts[nxt], n) if nxt < len(starts) else n
        if len(ups) == 0 and len(downs) == 0:
            s = stop
            continue
        up_top = ups[0][0] if len(ups) else np.nan  # no bar reaches NaN
        down_top = -downs[0][0] if len(downs) else np.nan
        while s < stop and not (upper[s] >= up_top or lower[s] <= down_top):
            s += 1
        if s == stop:
            continue  # more queries begin here
        while len(ups) and upper[s] >= ups[0][0]:
            found[heapq.heappop(ups)[1]] = s
        while len(downs) and lower[s] <= -downs[0][0]:
            found[heapq.heappop(downs)[1]] = s
        s += 1
    return found


@jit
def _min_tree(values):
    """A min segment tree over positions, NaN stored as +inf (see the Rust ``MinTree``)."""
    size = 1
    while size < len(values):
        size *= 2
    node = np.full(2 * size, np.inf)
    for i in range(len(values)):
        if not np.isnan(values[i]):
            node[size + i] = values[i]
    for i in range(size - 1, 0, -1):
        node[i] = min(node[2 * i], node[2 * i + 1])
    return node


@jit
def _tree_set(node, i, value):
    size = len(node) // 2
    i += size
    node[i] = value
    while i > 1:
        i //= 2
        node[i] = min(node[2 * i], node[2 * i + 1])


@jit
def _tree_remove(node, i):
    _tree_set(node, i, np.inf)


@jit
def _tree_min(node, lo, hi):
    """The smallest value at positions ``lo <= i < hi`` (+inf for none)."""
    size = len(node) // 2
    best = np.inf
    lo += size
    hi += size
    while lo < hi:
        if lo & 1:
            best = min(best, node[lo])
            lo += 1
        if hi & 1:
            hi -= 1
            best = min(best, node[hi])
        lo //= 2
        hi //= 2
    return best


@jit
def _first_below(node, start, bound):
    """The first position ``>= start`` with a value ``< bound``, else -1."""
    size = len(node) // 2
    if start >= size:
        return -1
    i = start + size
    while True:
        if node[i] < bound:
            while i < size:
                i = 2 * i if node[2 * i] < bound else 2 * i + 1
            return i - size
        while i & 1:
            i >>= 1  # a right child: its parent's right neighbour is next
        if i == 0:
            return -1
        i += 1
