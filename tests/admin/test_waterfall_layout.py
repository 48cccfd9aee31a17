"""The waterfall layout: tree order with depths, bars proportional to start and duration."""
from datetime import UTC, datetime, timedelta

from runs.models import Span
from runs.viewer import MIN_WIDTH_PCT, depth_first, format_ms, waterfall

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def span(span_id, start_ms, duration_ms, parent="", kind="node"):
    started = T0 + timedelta(milliseconds=start_ms)
    return Span(id=span_id, parent_id=parent, kind=kind, name=span_id, started_at=started,
                ended_at=started + timedelta(milliseconds=duration_ms), duration_ms=duration_ms)


def test_children_follow_their_parent_in_start_order_with_depths():
    spans = [span("b", 0, 100, parent="root"), span("root", 0, 1000), span("a2", 60, 10, parent="a"),
             span("a", 50, 30, parent="root"), span("second-root", 500, 100)]
    # b starts with root but is its child; a starts later than b
    order = [(s.id, depth) for s, depth in depth_first(spans)]
    assert order == [("root", 0), ("b", 1), ("a", 1), ("a2", 2), ("second-root", 0)]


def test_a_span_whose_parent_is_not_in_the_run_is_a_root():
    order = [(s.id, depth) for s, depth in depth_first([span("x", 0, 10, parent="elsewhere")])]
    assert order == [("x", 0)]


def test_parent_cycles_show_each_span_once():
    spans = [span("p", 0, 10, parent="q"), span("q", 5, 10, parent="p")]
    assert sorted(s.id for s, _ in depth_first(spans)) == ["p", "q"]


def test_bars_are_proportional_to_the_window():
    spans = [span("root", 0, 1000), span("model", 250, 500, parent="root", kind="model")]
    layout = waterfall(spans, start=T0, end=T0 + timedelta(milliseconds=1000))
    rows = {row.span.id: row for row in layout.rows}
    assert layout.total_ms == 1000
    assert (rows["root"].offset_pct, rows["root"].width_pct) == (0, 100)
    assert (rows["model"].offset_pct, rows["model"].width_pct) == (25, 50)
    assert rows["model"].depth == 1 and rows["model"].kind_class == "model"
    assert rows["model"].bar_style == "left: 25.000%; width: 50.000%"


def test_window_covers_the_run_and_every_span():
    # the run started 1 s before its first span; a span ends after the run's recorded end
    spans = [span("late", 1000, 2000)]
    layout = waterfall(spans, start=T0, end=T0 + timedelta(milliseconds=2500))
    row = layout.rows[0]
    assert layout.total_ms == 3000
    assert round(row.offset_pct, 6) == round(100 / 3, 6) and round(row.width_pct, 6) == round(200 / 3, 6)


def test_tiny_and_unfinished_spans_stay_visible_and_inside():
    unfinished = Span(id="open", parent_id="", kind="tool", name="open", started_at=T0 + timedelta(seconds=1),
                      ended_at=None, duration_ms=None)
    spans = [span("root", 0, 1000), span("blip", 1000, 0)]
    layout = waterfall(spans + [unfinished])
    rows = {row.span.id: row for row in layout.rows}
    assert rows["blip"].width_pct == MIN_WIDTH_PCT
    assert rows["blip"].offset_pct + rows["blip"].width_pct <= 100
    assert rows["open"].offset_pct + rows["open"].width_pct <= 100


def test_no_spans_is_an_empty_layout():
    assert waterfall([]).rows == []


def test_durations_read_naturally():
    assert [format_ms(v) for v in (None, 0, 0.5, 850, 2350, 185_000)] == ["—", "0 ms", "0.50 ms", "850 ms",
                                                                          "2.35 s", "3 min 5 s"]
