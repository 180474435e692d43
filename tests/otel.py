"""OpenTelemetry's SDK with in-memory exporters, installed as the global providers once per process.

The global providers can be set only once, so every test that looks at
telemetry shares these; each clears the spans first and tells its own
metric points apart by the action type it uses.
"""

from __future__ import annotations

import threading
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

__all__ = ["SPANS", "install", "metric_points", "spans"]

SPANS = InMemorySpanExporter()
_READER = InMemoryMetricReader()
_LOCK = threading.Lock()
_installed = False


def install() -> None:
    """Make the in-memory SDK the global tracer and meter providers (once); clear the spans."""
    global _installed  # noqa: PLW0603 - once per process
    with _LOCK:
        if not _installed:
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(SPANS))
            trace.set_tracer_provider(provider)
            metrics.set_meter_provider(MeterProvider(metric_readers=[_READER]))
            _installed = True
    SPANS.clear()


def spans() -> list[ReadableSpan]:
    """The spans ended since `install`."""
    return list(SPANS.get_finished_spans())


def metric_points(name: str) -> list[tuple[dict[str, Any], Any]]:
    """Every data point of the metric `name` so far: its attributes and the point itself."""
    data = _READER.get_metrics_data()
    found: list[tuple[dict[str, Any], Any]] = []
    if data is None:
        return found
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == name:
                    found.extend((dict(point.attributes or {}), point) for point in metric.data.data_points)
    return found
