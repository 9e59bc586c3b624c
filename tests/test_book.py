"""MBP-10: reading real Databento files, the generator, and book bars as users call them."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ALL_BACKENDS
from hypothesis import given, settings
from hypothesis import strategies as st

import barsmith
from barsmith import InputError
from barsmith.book import (
    Mbp10BarBuilder,
    feature_names,
    iter_mbp10,
    level_columns,
    mbp10_bars,
    read_mbp10,
    write_mbp10,
)

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "dbn-samples"
DBN_SAMPLES = sorted(p.name for p in SAMPLES.glob("*.dbn*")) if SAMPLES.exists() else []
needs_samples = pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/data/dbn-samples is not on this machine")

# From the samples' README: records and actions per file.
EXPECTED = {
    "test_data.mbp-10.dbn": (2, "CC"),
    "test_data.mbp-10.v1.dbn.zst": (2, "CC"),
    "test_data.mbp-10.v2.dbn.zst": (2, "CC"),
    "test_data.mbp-10.v3.dbn.zst": (2, "CC"),
    "GLBX.MDP3.mbp-10.dbn.zst": (4, "AAAA"),
    "IFEU.IMPACT.mbp-10.dbn.zst": (4, "TTTT"),
    "NDEX.IMPACT.mbp-10.dbn.zst": (4, "AMMM"),
    "XNAS.ITCH.mbp-10.dbn.zst": (4, "AAAA"),
}


@pytest.fixture(scope="module")
def day():
    return barsmith.synth.mbp10(40_000, seed=11)


# ---------------------------------------------------------------- reading


@needs_samples
@pytest.mark.parametrize("name", DBN_SAMPLES)
def test_reads_every_real_sample_file_in_databento_layout(name):
    events = read_mbp10(SAMPLES / name)
    n, actions = EXPECTED[name]
    assert len(events) == n
    assert "".join(events["action"].astype(str)) == actions
    assert events.index.name == "ts_recv" and str(events.index.dtype) == "datetime64[ns, UTC]"
    assert str(events["ts_event"].dtype) == "datetime64[ns, UTC]"
    for col in ("action", "side", "depth", "price", "size", "flags", "sequence", *level_columns("bid_px"),
                *level_columns("ask_sz"), *level_columns("bid_ct")):  # fmt: skip
        assert col in events.columns
    assert events["bid_sz_00"].dtype == np.uint32 and events["price"].dtype == np.float64
    # Prices are converted from 1e-9 fixed point; an undefined price is NaN, never 9.2e9.
    px = events[level_columns("bid_px") + level_columns("ask_px")].to_numpy()
    assert np.all(np.isnan(px) | ((px > 0) & (px < 1e6)))


@needs_samples
def test_glbx_sample_is_es_futures_near_3700():
    events = read_mbp10(SAMPLES / "test_data.mbp-10.dbn")
    assert events["bid_px_00"].between(3000, 4500).all()
    assert (events["ask_px_00"] > events["bid_px_00"]).all()


@needs_samples
def test_every_dbn_version_decodes_to_the_same_records():
    frames = [read_mbp10(SAMPLES / f"test_data.mbp-10.{v}") for v in ("dbn", "v1.dbn.zst", "v2.dbn.zst", "v3.dbn.zst")]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(other, frames[0])


@needs_samples
def test_the_legacy_dbz_format_is_refused_with_a_clear_error():
    with pytest.raises(InputError, match="legacy DBZ"):
        read_mbp10(SAMPLES / "test_data.mbp-10.dbz")


def test_a_file_that_is_not_dbn_is_refused(tmp_path):
    path = tmp_path / "x.dbn"
    path.write_bytes(b"hello world, not a DBN file")
    with pytest.raises(InputError, match="not a DBN file"):
        read_mbp10(path)


@pytest.mark.parametrize("suffix", [".dbn", ".dbn.zst"])
def test_written_files_read_back_equal_whole_and_in_chunks(day, tmp_path, suffix):
    path = tmp_path / f"day{suffix}"
    write_mbp10(day, path)
    assert not list(tmp_path.glob("*partial*"))  # written under a temporary name, then renamed
    back = read_mbp10(path)
    pd.testing.assert_frame_equal(back, day)
    chunks = list(iter_mbp10(path, chunk_size=7_777))
    assert max(len(c) for c in chunks) == 7_777
    pd.testing.assert_frame_equal(pd.concat(chunks), day)


def test_a_truncated_file_names_the_record_and_returns_nothing(day, tmp_path):
    path = tmp_path / "cut.dbn"
    write_mbp10(day.iloc[:100], path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 50])  # the last record loses its tail
    with pytest.raises(InputError, match="truncated or corrupt") as err:
        read_mbp10(path)
    assert err.value.row == 99


def test_a_corrupt_compressed_file_raises_input_error(day, tmp_path):
    path = tmp_path / "bad.dbn.zst"
    write_mbp10(day.iloc[:2000], path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\x00" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(InputError):
        read_mbp10(path)


def test_the_dbn_magic_then_junk_is_refused_for_its_real_reason_without_a_panic(tmp_path, capfd):
    path = tmp_path / "junk.dbn"
    path.write_bytes(b"DBN\x03" + np.random.default_rng(1).bytes(200))
    with pytest.raises(InputError, match="metadata length .* exceeds the file size"):
        read_mbp10(path)
    assert "panicked" not in capfd.readouterr().err


@needs_samples
@settings(max_examples=40 if os.environ.get("HYPOTHESIS_PROFILE") != "deep" else 2000)
@given(data=st.data())
def test_damaged_real_files_raise_input_error_or_read_and_never_crash(tmp_path_factory, data):
    """Real sample files cut short, with bytes overwritten, or (uncompressed) with their
    version and length fields at extremes: either they still read (a cut between records,
    a changed price) or raise InputError; never a panic or another exception."""
    name = data.draw(st.sampled_from(["test_data.mbp-10.dbn", "test_data.mbp-10.v1.dbn.zst",
                                      "test_data.mbp-10.v3.dbn.zst", "XNAS.ITCH.mbp-10.dbn.zst"]))  # fmt: skip
    raw = (SAMPLES / name).read_bytes()
    damages = ["cut", "overwrite"] + (["field"] if name.endswith(".dbn") else [])
    damage = data.draw(st.sampled_from(damages))
    damaged = bytearray(raw)
    if damage == "cut":
        damaged = damaged[: data.draw(st.integers(0, len(raw) - 1))]
    elif damage == "overwrite":
        for at in data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=8)):
            damaged[at] = data.draw(st.integers(0, 255))
    else:  # the version byte, the metadata length, the first record's length
        at = data.draw(st.sampled_from([3, 4, 8 + int.from_bytes(raw[4:8], "little")]))
        value = data.draw(st.sampled_from([0, 1, 7, 255, 2**31, 2**32 - 1]))
        width = 4 if at == 4 else 1
        damaged[at : at + width] = (value % 256**width).to_bytes(width, "little")
    path = tmp_path_factory.mktemp("damaged") / name
    path.write_bytes(bytes(damaged))
    try:
        read_mbp10(path)
    except InputError:
        pass


def test_parquet_with_the_same_columns_gives_the_same_bars(day, tmp_path):
    path = tmp_path / "day.parquet"
    day.to_parquet(path)
    pd.testing.assert_frame_equal(mbp10_bars(read_mbp10(path)), mbp10_bars(day))
    chunks = list(iter_mbp10(path, chunk_size=10_000))
    assert len(chunks) >= 4


# ---------------------------------------------------------------- the generator


def test_the_generator_is_seeded_and_internally_consistent():
    a = barsmith.synth.mbp10(20_000, seed=3)
    pd.testing.assert_frame_equal(a, barsmith.synth.mbp10(20_000, seed=3))
    assert not a.equals(barsmith.synth.mbp10(20_000, seed=4))
    assert a["ts_event"].is_monotonic_increasing and a.index.is_monotonic_increasing
    assert set(a["action"].astype(str)) >= {"A", "C", "M", "T", "F", "R"}
    bids = a[level_columns("bid_px")].to_numpy()
    asks = a[level_columns("ask_px")].to_numpy()
    assert (np.diff(bids, axis=1) < 0).all() and (np.diff(asks, axis=1) > 0).all()
    on_grid = np.concatenate([bids.ravel(), asks.ravel()]) / 0.25
    assert np.array_equal(on_grid, np.round(on_grid))
    last = a["flags"].to_numpy() & 128 != 0
    assert last.mean() > 0.5 and not last.all()  # multi-record events carry F_LAST on the last record only


def test_a_generated_day_has_crossed_books_and_sequence_gaps_and_they_are_counted():
    events = barsmith.synth.mbp10(300_000, seed=2)
    bars = mbp10_bars(events, "1min")
    snap = events["flags"].to_numpy() & 128 != 0
    bid, ask = events["bid_px_00"].to_numpy()[snap], events["ask_px_00"].to_numpy()[snap]
    assert bars["quality_crossed_cnt_sum"].sum() == (bid > ask).sum() > 0
    assert bars["quality_locked_cnt_sum"].sum() == (bid == ask).sum() > 0
    seq = events["sequence"].to_numpy().astype(np.int64)
    gaps = ((np.diff(seq) != 0) & (np.diff(seq) != 1)).sum()
    assert bars["quality_seq_gap_cnt_sum"].sum() == gaps > 0
    assert bars["quality_bad_book_cnt_sum"].sum() == (events["flags"].to_numpy() & 4 != 0).sum() > 0
    assert bars["meta_msg_cnt_sum"].sum() == len(events)  # nothing dropped


# ---------------------------------------------------------------- bars


def test_columns_follow_the_naming_rule_and_are_all_documented():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "features.md").read_text()
    for name in feature_names():
        family, *_, agg = name.split("_")
        assert family in {"meta", "trade", "book", "flow", "wall", "quality"}
        assert agg in {"sum", "eob", "twa", "max", "min", "first", "last", "vwap"}, name
        assert f"`{name}`" in doc or _pattern_documented(name, doc), name


def _pattern_documented(name, doc):
    for level in range(1, 11):
        name = name.replace(f"_l{level}_", "_l<k>_")
    for band in ("p0_1", "p1_2", "p2_3", "p3_5", "p5_10"):
        name = name.replace(band, "<band>")
    return f"`{name}`" in doc


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_trade_columns_equal_pandas_resample_of_the_trade_records(day, backend):
    bars = mbp10_bars(day, "5s", backend=backend)
    trades = day[day["action"] == "T"].set_index("ts_event")
    signed = np.where(trades["side"] == "B", 1.0, np.where(trades["side"] == "A", -1.0, 0.0)) * trades["size"]
    expected = pd.DataFrame({
        "trade_vol_sum": trades["size"].astype(float).resample("5s").sum(),
        "trade_signed_vol_sum": pd.Series(signed, index=trades.index).resample("5s").sum(),
        "trade_px_first": trades["price"].resample("5s").first(),
        "trade_px_max": trades["price"].resample("5s").max(),
        "trade_px_min": trades["price"].resample("5s").min(),
        "trade_px_last": trades["price"].resample("5s").last(),
    })  # fmt: skip
    got = bars[expected.columns].reindex(expected.index)
    has_events = expected.index.isin(bars.index)
    pd.testing.assert_frame_equal(got[has_events], expected[has_events], check_names=False, check_freq=False)


def test_meta_counts_equal_value_counts_per_bar(day):
    bars = mbp10_bars(day, "10s")
    counts = day.groupby(day["ts_event"].dt.floor("10s"))["action"].value_counts().unstack(fill_value=0)
    for code, name in zip("ACMRTF", ("add", "cancel", "modify", "clear", "trade", "fill")):
        expected = counts[code] if code in counts else 0
        np.testing.assert_array_equal(bars[f"meta_{name}_cnt_sum"].to_numpy(), np.asarray(expected))


def test_end_of_bar_book_is_the_last_snapshot_of_the_bar(day):
    bars = mbp10_bars(day, "5s")
    snaps = day[(day["flags"].to_numpy() & 128) != 0]
    last = snaps.groupby(snaps["ts_event"].dt.floor("5s")).last()
    shared = bars.index.intersection(last.index)
    np.testing.assert_array_equal(bars.loc[shared, "book_bid_px_eob"], last.loc[shared, "bid_px_00"])
    np.testing.assert_array_equal(bars.loc[shared, "book_ask_px_eob"], last.loc[shared, "ask_px_00"])
    mid = (last.loc[shared, "bid_px_00"] + last.loc[shared, "ask_px_00"]) / 2
    np.testing.assert_array_equal(bars.loc[shared, "book_mid_px_eob"], mid)


def test_reference_levels_give_signed_and_closest_distance(day):
    level = float(day["bid_px_00"].median())
    bars = mbp10_bars(day, "5s", reference_levels={"pivot": level})
    np.testing.assert_allclose(bars["approach_pivot_dist_eob"], bars["book_mid_px_eob"] - level)
    inside = (bars["book_mid_px_min"] <= level) & (level <= bars["book_mid_px_max"])
    assert (bars.loc[inside, "approach_pivot_dist_min"] == 0).all()
    assert (bars["approach_pivot_dist_min"] <= bars["approach_pivot_dist_eob"].abs() + 1e-9).all()
    moving = pd.Series([level, level + 1.0], index=[day["ts_event"].iloc[0], day["ts_event"].iloc[20_000]])
    by_time = mbp10_bars(day, "5s", reference_levels={"pivot": moving})
    late = by_time.index >= day["ts_event"].iloc[20_000]
    np.testing.assert_allclose(by_time.loc[late, "approach_pivot_dist_eob"], by_time.loc[late, "book_mid_px_eob"] - level - 1)


def test_empty_bins_can_be_kept_and_carried(day):
    dropped = mbp10_bars(day.iloc[:3000], "1s")
    for empty in ("nan", "ffill"):
        kept = mbp10_bars(day.iloc[:3000], "1s", empty=empty)
        assert len(kept) > len(dropped)
        assert (pd.Series(kept.index).diff().dropna() == pd.Timedelta("1s")).all()
        pd.testing.assert_frame_equal(kept.loc[dropped.index], dropped, check_freq=False)
        missing = ~kept.index.isin(dropped.index)
        assert (kept.loc[missing, "meta_msg_cnt_sum"] == 0).all()
        carried = kept["book_mid_px_eob"].isna()[missing]
        assert carried.all() if empty == "nan" else not carried.any()


def test_empty_input_gives_an_empty_frame_with_every_column(day):
    bars = mbp10_bars(day.iloc[:0])
    assert len(bars) == 0 and list(bars.columns) == feature_names()
    assert str(bars.index.dtype) == "datetime64[ns, UTC]"


def test_the_input_frame_is_not_mutated(day):
    before = day.copy()
    mbp10_bars(day)
    pd.testing.assert_frame_equal(day, before)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("action", "X", "unknown action code 'X'"),
        ("side", "Q", "unknown side code 'Q'"),
        ("bid_px_03", np.nan, "populated level needs a price"),
        ("size", -5, "non-negative integer"),
    ],
)
def test_bad_events_raise_input_error_naming_column_and_row(day, column, value, message):
    events = day.iloc[:500].copy()
    if column in ("action", "side"):
        events[column] = events[column].astype(str)
    elif column == "size":
        events[column] = events[column].astype(np.int64)
    events.iloc[321, events.columns.get_loc(column)] = value
    if column == "bid_px_03":
        events.iloc[321, events.columns.get_loc("flags")] = 128
    with pytest.raises(InputError, match=message) as err:
        mbp10_bars(events)
    assert err.value.column == column and err.value.row == 321


def test_unsorted_timestamps_and_missing_columns_are_refused(day):
    events = day.iloc[:100].copy()
    events["ts_event"] = events["ts_event"].to_numpy()[::-1]
    with pytest.raises(InputError, match="sort") as err:
        mbp10_bars(events)
    assert err.value.column == "ts_event"
    with pytest.raises(InputError) as err:
        mbp10_bars(day.drop(columns="ask_sz_04"))
    assert err.value.column == "ask_sz_04"


# ---------------------------------------------------------------- streaming


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 6_000), max_size=6), backend=st.sampled_from(ALL_BACKENDS),
       empty=st.sampled_from(["drop", "ffill", "nan"]))  # fmt: skip
def test_the_builder_equals_the_batch_for_any_chunking(cuts, backend, empty):
    events = _small_day()
    batch = mbp10_bars(events, "2s", empty=empty, backend=backend, reference_levels={"x": 5100.0})
    builder = Mbp10BarBuilder("2s", empty=empty, backend=backend, reference_levels={"x": 5100.0})
    bounds = [0, *sorted(cuts), len(events)]
    parts = [builder.update(events.iloc[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    streamed = pd.concat([*parts, builder.flush()])
    pd.testing.assert_frame_equal(streamed, batch, check_freq=False)


_SMALL = {}


def _small_day():
    if "day" not in _SMALL:
        _SMALL["day"] = barsmith.synth.mbp10(6_000, seed=8)
    return _SMALL["day"]


def test_the_builder_streams_a_file_in_chunks(day, tmp_path):
    path = tmp_path / "day.dbn.zst"
    write_mbp10(day, path)
    builder = Mbp10BarBuilder("5s")
    parts = [builder.update(chunk) for chunk in iter_mbp10(path, chunk_size=3_000)]
    pd.testing.assert_frame_equal(pd.concat([*parts, builder.flush()]), mbp10_bars(day), check_freq=False)


def test_the_builder_reports_bad_rows_by_their_position_in_the_stream(day):
    events = day.iloc[:3000].copy()
    events["action"] = events["action"].astype(str)
    events.iloc[2500, events.columns.get_loc("action")] = "?"
    builder = Mbp10BarBuilder("5s")
    builder.update(events.iloc[:2000])
    with pytest.raises(InputError) as err:
        builder.update(events.iloc[2000:])
    assert err.value.column == "action" and err.value.row == 2500
