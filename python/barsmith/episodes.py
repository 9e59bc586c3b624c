"""Level episodes and setup features: touches of reference levels, per-episode
derivatives, cumulative and signature features, setup vectors.

An **episode** is a stretch of bars while the price is near a reference level (the
prior close, the overnight high or low, a VWAP, a round number). The rules, per level,
with ``d = price - level`` on each bar (see ``docs/features.md``):

- an episode **starts** on a bar with ``|d| <= trigger``, if the price has been beyond
  ``exit`` since the level's previous episode started (or ever, for the first);
- it **leaves** on the first later bar with ``|d| > exit``; its bars are the start to
  the bar before the leave, at most ``max_bars`` of them;
- its **side** is where the price came from: ``above`` when ``d`` of the bar before
  the start (or of the start bar, when that one is missing) is >= 0, else ``below``;
- its **outcome**, read on the leave bar: ``bounce`` when the price leaves on the side
  it came from, ``break`` when it crosses, with ``outcome_size = |d|`` there. When the
  data ends before a leave bar the episode is kept and marked ``complete=False``.

A bar with a NaN price or level neither starts nor leaves an episode. Levels are
independent: two levels near one price give two overlapping episodes, each with all
its bars. Works on :func:`barsmith.book.mbp10_bars` output and on any bar frame with
the named columns, in every backend (the pandas oracle is the groupby expression given
in each docstring).

Example
-------
>>> bars = barsmith.book.mbp10_bars(events, "5s")
>>> eps = barsmith.episodes.level_episodes(bars, {"prior_close": 4500.25, "round": 4500.0},
...                                         trigger=0.5, exit=1.5, max_bars=120)
>>> feats = barsmith.episodes.approach_features(bars, eps, windows=(3, 6, 12))
>>> vectors = barsmith.episodes.setup_vectors(bars, eps, lookback=12)
>>> barsmith.episodes.similar_setups(vectors, vectors.iloc[[0]], k=5)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._args import finite, positive_int
from ._errors import InputError
from ._input import to_float
from ._pandas.episodes import long_rows
from ._registry import kernel

__all__ = ["Episodes", "approach_features", "level_episodes", "setup_vectors", "similar_setups"]

DEFAULT_PRICE = "book_mid_px_eob"

# mbp10_bars columns summed along an episode (those present are used)
FLOW_COLUMNS = (
    "trade_vol_sum", "trade_signed_vol_sum", "trade_aggbuy_vol_sum", "trade_aggsell_vol_sum",
    "meta_msg_cnt_sum", "meta_trade_cnt_sum", "meta_add_cnt_sum", "meta_cancel_cnt_sum",
    *(f"flow_net_vol_{side}_{band}_sum" for side in ("bid", "ask") for band in ("p0_1", "p1_2", "p2_3", "p3_5", "p5_10")),
)  # fmt: skip

SIGNATURE = ("sig_start_distance", "sig_min_abs_distance", "sig_max_abs_distance", "sig_trade_vol",
             "sig_signed_vol", "sig_max_wall_bid_z", "sig_max_wall_ask_z", "sig_bars")  # fmt: skip


@dataclass(frozen=True)
class Episodes:
    """What :func:`level_episodes` found.

    ``table``: one row per episode, indexed by ``touch_id`` (0, 1, ... by start, then
    level order): ``level``, ``level_price`` (at the start), ``start``/``end`` (bar
    times), ``start_bar``/``end_bar``/``leave_bar`` (positions, ``leave_bar`` -1 when
    the data ends first), ``n_bars``, ``side``, ``outcome``, ``outcome_size``,
    ``complete``. ``touch_id``: per bar, ``touch_id`` (the latest-started episode the
    bar is in, -1 outside) and ``touch_id_<level>`` per level. ``levels``: the level
    price per bar, one column per level. ``price``: the price the rules read."""

    table: pd.DataFrame
    touch_id: pd.DataFrame
    levels: pd.DataFrame
    price: pd.Series

    def __len__(self) -> int:
        return len(self.table)


def _bar_index(bars: Any) -> pd.Index:
    if not isinstance(bars, pd.DataFrame):
        raise InputError(f"expected a DataFrame of bars (mbp10_bars output), got {type(bars).__name__}")
    index = bars.index
    if isinstance(index, pd.DatetimeIndex) and len(index) > 1:
        values = index.asi8
        back = np.flatnonzero(values[1:] < values[:-1])
        if len(back):
            raise InputError(f"bars out of order: {index[back[0] + 1]} after {index[back[0]]}; sort with "
                             "bars.sort_index()", column="index", row=int(back[0]) + 1)  # fmt: skip
    return index


def _column(bars: pd.DataFrame, name: str, what: str) -> np.ndarray:
    if name not in bars.columns:
        raise InputError(f"no {what} column {name!r} in the bars; columns: {list(bars.columns)[:8]}...", column=name)
    return to_float(bars[name], name)


def _level_rows(bars: pd.DataFrame, levels: Mapping[str, Any]) -> tuple[list[str], np.ndarray]:
    """Each level as one float per bar: a number, a column name of ``bars``, or a Series
    or array aligned with the bars."""
    if not isinstance(levels, Mapping):
        raise InputError("levels: expected a dict of name to a price, a column name or a per-bar Series",
                         column="levels")  # fmt: skip
    names, rows = [], []
    for name, level in levels.items():
        if isinstance(level, str):
            if level not in bars.columns:
                raise InputError(f"unknown level {name!r}: no column {level!r} in the bars", column=str(name))
            row = to_float(bars[level], level)
        elif np.ndim(level) == 0:
            row = np.full(len(bars), finite(level, str(name)))
        else:
            if isinstance(level, pd.Series) and not level.index.equals(bars.index):
                raise InputError(f"level {name!r}: its index is not the bars' index; reindex it first, "
                                 "e.g. level.reindex(bars.index).ffill()", column=str(name))  # fmt: skip
            row = to_float(level, str(name))
            if row.shape != (len(bars),):
                raise InputError(f"level {name!r}: {row.shape} values for {len(bars)} bars", column=str(name))
        names.append(str(name))
        rows.append(row)
    if len(set(names)) != len(names):
        raise InputError(f"level names repeat: {names}", column="levels")
    return names, np.array(rows, dtype=np.float64).reshape(len(rows), len(bars))


def level_episodes(bars: pd.DataFrame, levels: Mapping[str, Any], trigger: float, exit: float | None = None,
                   max_bars: int | None = None, price: str = DEFAULT_PRICE, *,
                   backend: str | None = None) -> Episodes:  # fmt: skip
    """Episodes of the price near each level (the rules are in the module docstring).

    ``levels``: name -> a price, the name of a bar column (a VWAP) or a Series on the
    bars' index. ``exit`` defaults to ``2 * trigger``; ``max_bars`` to no limit. The
    pandas oracle, per level::

        d = price - level; within = d.abs() <= trigger; beyond = d.abs() > exit
        start = bar[within].groupby(beyond.cumsum()[within]).first()

    Example
    -------
    >>> eps = level_episodes(bars, {"pdc": 4500.25, "vwap": "vwap"}, trigger=0.5, exit=1.5)
    >>> eps.table[["level", "start", "n_bars", "side", "outcome"]]
    """
    index = _bar_index(bars)
    trigger = finite(trigger, "trigger")
    exit = 2 * trigger if exit is None else finite(exit, "exit")
    if trigger < 0 or exit < trigger:
        raise InputError(f"expected 0 <= trigger <= exit, got trigger={trigger}, exit={exit}", column="exit")
    max_bars = len(bars) + 1 if max_bars is None else positive_int(max_bars, "max_bars")
    p = _column(bars, price, "price")
    names, rows = _level_rows(bars, levels)
    level, start, end, leave, side = kernel("level_episodes", backend)(p, rows, trigger, exit, int(max_bars))
    table = _episode_table(index, names, p, rows, level, start, end, leave, side)
    touch = pd.DataFrame(index=index)
    touch["touch_id"] = _touch_ids(len(bars), start, end)
    for k, name in enumerate(names):
        mine = level == k
        touch[f"touch_id_{name}"] = _touch_ids(len(bars), start[mine], end[mine], np.flatnonzero(mine))
    return Episodes(table, touch, pd.DataFrame(rows.T.copy(), index=index, columns=names), pd.Series(p, index=index,
                    name=price))  # fmt: skip


def _episode_table(index, names, p, rows, level, start, end, leave, side) -> pd.DataFrame:
    complete = leave >= 0
    at = np.where(complete, leave, 0)
    d_leave = p[at] - rows[level, at] if len(level) else np.empty(0)
    crossed = np.sign(d_leave) != side
    kinds = pd.Categorical.from_codes(level, categories=names) if names else pd.Categorical([])
    table = pd.DataFrame({
        "level": kinds,
        "level_price": rows[level, start] if len(level) else np.empty(0),
        "start": index[start] if len(index) else index[:0],
        "end": index[end] if len(index) else index[:0],
        "start_bar": start, "end_bar": end, "leave_bar": leave,
        "n_bars": end - start + 1,
        "side": pd.Categorical.from_codes((side < 0).astype(np.int8), categories=["above", "below"]),
        "outcome": pd.Categorical.from_codes(np.where(complete, crossed.astype(np.int8), -1),
                                             categories=["bounce", "break"]),
        "outcome_size": np.where(complete, np.abs(d_leave), np.nan),
        "complete": complete,
    })  # fmt: skip
    table.index = pd.RangeIndex(len(table), name="touch_id")
    return table


def _touch_ids(n: int, start: np.ndarray, end: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
    """Per bar, the id of the latest-started episode holding it, -1 outside any."""
    ids = np.arange(len(start)) if ids is None else ids
    out = np.full(n, -1, dtype=np.int64)
    # latest start wins: episodes are in start order, so later writes overwrite
    for s, e, i in zip(start, end, ids):
        out[s : e + 1] = i
    return out


def _spans(episodes: Episodes) -> tuple[np.ndarray, np.ndarray]:
    t = episodes.table
    return (np.ascontiguousarray(t["start_bar"].to_numpy(np.int64)),
            np.ascontiguousarray(t["end_bar"].to_numpy(np.int64)))  # fmt: skip


def _long_index(episodes: Episodes, index: pd.Index) -> pd.MultiIndex:
    starts, ends = _spans(episodes)
    rows, _ = long_rows(starts, ends)
    lengths = ends - starts + 1
    return pd.MultiIndex.from_arrays([np.repeat(np.arange(len(starts)), lengths), index[rows]],
                                     names=["touch_id", index.name or "ts"])  # fmt: skip


def _features(bars: pd.DataFrame, features: Sequence[str] | None) -> list[str]:
    if features is None:
        return [c for c in bars.columns if pd.api.types.is_numeric_dtype(bars[c].dtype)
                and not pd.api.types.is_bool_dtype(bars[c].dtype)]  # fmt: skip
    missing = [f for f in features if f not in bars.columns]
    if missing:
        raise InputError(f"missing feature columns {missing}; the bars have {len(bars.columns)} columns, "
                         f"e.g. {list(bars.columns)[:5]}", column=missing[0])  # fmt: skip
    return list(features)


def _check_episodes(bars: pd.DataFrame, episodes: Any) -> None:
    if not isinstance(episodes, Episodes):
        raise InputError(f"expected the Episodes of level_episodes(bars, ...), got {type(episodes).__name__}")
    if not episodes.touch_id.index.equals(bars.index):
        raise InputError("episodes were found on other bars: pass the bars level_episodes read", column="episodes")


def _long_distance(episodes: Episodes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``price - level`` on the long rows, each episode against its own level."""
    rows, _ = long_rows(starts, ends)
    lengths = ends - starts + 1
    level = np.repeat(episodes.table["level"].cat.codes.to_numpy(np.int64), lengths)
    return episodes.price.to_numpy()[rows] - episodes.levels.to_numpy()[rows, level]


def approach_features(bars: pd.DataFrame, episodes: Episodes, features: Sequence[str] | None = None,
                      windows: Sequence[int] = (3, 6, 12), *, backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Features of each episode's bars, one row per (touch_id, bar), never crossing an episode.

    - ``distance`` (price - the episode's level);
    - per feature ``x`` and window ``w``: ``x_d1_w = (x - x.shift(w)) / w`` and
      ``x_d2_w = (d1 - d1.shift(w)) / w``, within the episode (NaN for its first ``w``
      and ``2w`` bars);
    - ``c_cum``, the running sum of each flow column ``c`` present (trade volume, signed
      and aggressive volume, message/trade/add/cancel counts, net flow per side and band),
      ``bars_elapsed`` and ``c_rate = c_cum / bars_elapsed``;
    - the episode's signature on each of its bars (``sig_*``): start distance, min and max
      absolute distance, total and signed trade volume, max bid and ask wall z-score, bars.

    ``features`` defaults to every numeric column of ``bars``. The pandas oracle::

        long.groupby("touch_id")[features].diff(w) / w         # d1, then the same of d1
        long.groupby("touch_id")[flow].cumsum()
        long.groupby("touch_id").agg(first / sum / min / max)    # the signature

    Example
    -------
    >>> feats = approach_features(bars, eps, ["book_imb_l1_eob", "trade_signed_vol_sum"], windows=(3, 6))
    >>> feats.loc[0, ["distance", "book_imb_l1_eob_d1_3", "trade_vol_sum_cum"]]
    """
    _bar_index(bars)
    _check_episodes(bars, episodes)
    names = _features(bars, features)
    windows = [positive_int(w, "windows") for w in windows]
    starts, ends = _spans(episodes)
    index = _long_index(episodes, bars.index)
    values = _matrix(bars, names)
    flow = [c for c in FLOW_COLUMNS if c in bars.columns]
    columns = ["distance", *(f"{c}_d{k}_{w}" for w in windows for k in (1, 2) for c in names),
               *(f"{c}_cum" for c in flow), "bars_elapsed", *(f"{c}_rate" for c in flow), *SIGNATURE]  # fmt: skip
    # one (columns, rows) block, written part by part: the frame wraps it without a copy
    out = np.empty((len(columns), len(index)))
    out[0] = _long_distance(episodes, starts, ends)
    at = 1
    for w in windows:
        d1, d2 = kernel("episode_diffs", backend)(values, starts, ends, w)
        out[at : at + len(names)], out[at + len(names) : at + 2 * len(names)] = d1, d2
        at += 2 * len(names)
    cum = kernel("episode_cumsum", backend)(_matrix(bars, flow), starts, ends)
    elapsed = long_rows(starts, ends)[1] + 1
    out[at : at + len(flow)] = cum
    out[at + len(flow)] = elapsed
    np.divide(cum, elapsed, out=out[at + len(flow) + 1 : at + 2 * len(flow) + 1])
    at += 2 * len(flow) + 1
    signature = _signature(bars, episodes, starts, ends, backend)
    out[at:] = np.repeat(signature.to_numpy().T, ends - starts + 1, axis=1)
    return pd.DataFrame(out.T, index=index, columns=columns, copy=False)


def _matrix(bars: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """The columns as one (columns, bars) float64 array: a view where the bars are one
    float64 block, as mbp10_bars output is; a missing value is NaN."""
    if not names:
        return np.empty((0, len(bars)))
    dtypes = bars.dtypes
    for c in names:
        if not pd.api.types.is_numeric_dtype(dtypes[c]) or pd.api.types.is_bool_dtype(dtypes[c]):
            to_float(bars[c], c)  # the error naming the column and its dtype
    return np.ascontiguousarray(bars[list(names)].to_numpy(dtype=np.float64, na_value=np.nan).T)


def _signature(bars: pd.DataFrame, episodes: Episodes, starts: np.ndarray, ends: np.ndarray,
               backend: str | None) -> pd.DataFrame:  # fmt: skip
    """Per episode: start distance, min/max |distance|, total and signed trade volume, max
    wall z-scores, bars (NaN where the bars lack a column)."""
    n = len(bars)

    def column(name: str) -> np.ndarray:
        return to_float(bars[name], name) if name in bars.columns else np.full(n, np.nan)

    # distance per bar against each episode's own level: one row per level
    distance = episodes.price.to_numpy()[None, :] - episodes.levels.to_numpy().T
    rows = np.vstack([np.abs(distance), column("trade_vol_sum")[None], column("trade_signed_vol_sum")[None],
                      column("wall_bid_z_eob")[None], column("wall_ask_z_eob")[None]])  # fmt: skip
    first, total, low, high = kernel("episode_stats", backend)(np.ascontiguousarray(rows), starts, ends)
    level = episodes.table["level"].cat.codes.to_numpy(np.int64)
    k, n_levels = np.arange(len(starts)), distance.shape[0]
    start_distance = distance[level, starts] if len(starts) else np.empty(0)
    return pd.DataFrame({
        "sig_start_distance": start_distance,
        "sig_min_abs_distance": low[level, k] if len(k) else np.empty(0),
        "sig_max_abs_distance": high[level, k] if len(k) else np.empty(0),
        "sig_trade_vol": total[n_levels],
        "sig_signed_vol": total[n_levels + 1],
        "sig_max_wall_bid_z": high[n_levels + 2],
        "sig_max_wall_ask_z": high[n_levels + 3],
        "sig_bars": (ends - starts + 1).astype(np.float64),
    }, index=episodes.table.index)  # fmt: skip


def setup_vectors(bars: pd.DataFrame, episodes: Episodes, features: Sequence[str] | None = None,
                  lookback: int = 12, *, backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """One fixed-length float32 vector per episode, for similarity search: the ``lookback``
    bars before the trigger bar, flattened (columns ``<feature>@-j``, ``j = lookback..1``;
    NaN before the data's first bar), then the signature (``sig_*``). The frame's columns
    are the layout; ``.to_numpy()`` is the matrix.

    Example
    -------
    >>> vectors = setup_vectors(bars, eps, ["book_imb_l1_eob", "trade_signed_vol_sum"], lookback=12)
    >>> vectors.shape   # (episodes, 2 * 12 + 8)
    """
    _bar_index(bars)
    _check_episodes(bars, episodes)
    names = _features(bars, features)
    lookback = positive_int(lookback, "lookback")
    starts, ends = _spans(episodes)
    values = _matrix(bars, names)
    at = starts[:, None] - np.arange(lookback, 0, -1)[None, :]  # (episodes, lookback), oldest first
    window = np.where(at[None] >= 0, values[:, np.maximum(at, 0)], np.nan)  # (features, episodes, lookback)
    flat = window.transpose(1, 2, 0).reshape(len(starts), lookback * len(names))
    columns = [f"{c}@-{j}" for j in range(lookback, 0, -1) for c in names]
    signature = _signature(bars, episodes, starts, ends, backend)
    matrix = np.hstack([flat, signature.to_numpy()]).astype(np.float32)
    return pd.DataFrame(matrix, index=episodes.table.index, columns=[*columns, *SIGNATURE])


def similar_setups(vectors: pd.DataFrame, query: Any, k: int = 5) -> pd.DataFrame:
    """The ``k`` episodes nearest each query setup, by Euclidean distance over columns
    standardised on ``vectors`` (z-scores; a missing value counts as the column's mean).

    ``query``: rows of :func:`setup_vectors` (a frame with the same columns), or touch ids
    of ``vectors``. Searched with scikit-learn's ``NearestNeighbors`` (exact, a ball tree
    or brute force as it chooses; ``pip install scikit-learn``). Returns one row per
    (query, rank): ``query``, ``rank`` (1 nearest), ``touch_id``, ``distance``.

    Example
    -------
    >>> similar_setups(vectors, [3, 7], k=5)
    """
    try:
        from sklearn.neighbors import NearestNeighbors
    except ImportError:
        raise ImportError("similar_setups searches with scikit-learn: pip install scikit-learn") from None
    if not isinstance(vectors, pd.DataFrame):
        raise InputError(f"expected setup_vectors(...) output, got {type(vectors).__name__}", column="vectors")
    if isinstance(query, pd.DataFrame):
        if list(query.columns) != list(vectors.columns):
            raise InputError("query: its columns are not the vectors' layout; build both with setup_vectors",
                             column="query")  # fmt: skip
        rows = query
    else:
        ids = np.atleast_1d(np.asarray(query))
        unknown = [i for i in ids if i not in vectors.index]
        if unknown:
            raise InputError(f"query: touch ids {unknown[:5]} are not among the vectors", column="query")
        rows = vectors.loc[ids]
    k = positive_int(k, "k")
    x = vectors.to_numpy(np.float64)
    mean = np.nanmean(x, axis=0) if len(x) else np.zeros(x.shape[1])
    scale = np.nanstd(x, axis=0) if len(x) else np.ones(x.shape[1])
    mean, scale = np.nan_to_num(mean), np.where(np.nan_to_num(scale) > 0, np.nan_to_num(scale), 1.0)

    def standard(a: np.ndarray) -> np.ndarray:
        return np.nan_to_num((a - mean) / scale)

    k = min(k, len(x))
    if k == 0 or len(rows) == 0:
        return pd.DataFrame({"query": [], "rank": [], "touch_id": [], "distance": []})
    search = NearestNeighbors(n_neighbors=k).fit(standard(x))
    distance, at = search.kneighbors(standard(rows.to_numpy(np.float64)))
    return pd.DataFrame({
        "query": np.repeat(np.asarray(rows.index), k),
        "rank": np.tile(np.arange(1, k + 1), len(rows)),
        "touch_id": np.asarray(vectors.index)[at.ravel()],
        "distance": distance.ravel(),
    })  # fmt: skip
