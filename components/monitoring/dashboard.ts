import { StackConfig } from "../../config/types";
import { QUANTILES, Queries, queries } from "./queries";

/**
 * The Cloud Monitoring dashboard as the `Dashboard` object of the Monitoring API v1 (projects.dashboards): a mosaic
 * of XY charts, each data set a PromQL query (`timeSeriesQuery.prometheusQuery`). Pure data; the component
 * serializes it into `gcp.monitoring.Dashboard.dashboardJson`.
 */

export interface DataSet {
    timeSeriesQuery: { prometheusQuery: string; unitOverride?: string };
    plotType: "LINE" | "STACKED_AREA";
    targetAxis: "Y1";
    legendTemplate?: string;
}

export interface Tile {
    xPos: number;
    yPos: number;
    width: number;
    height: number;
    widget: { title: string; xyChart: { dataSets: DataSet[]; yAxis: { label: string; scale: "LINEAR" } } };
}

export interface DashboardDefinition {
    displayName: string;
    mosaicLayout: { columns: number; tiles: Tile[] };
    labels: Record<string, string>;
}

/** The mosaic is 48 columns wide; two charts per row. */
export const COLUMNS = 48;
const TILE = { width: 24, height: 16 };

interface Panel {
    title: string;
    unit: string;
    sets: { query: string; legend?: string }[];
}

const line = (query: string, legend?: string) => ({ query, legend });
const percentiles = (qs: string[]) => qs.map((query, i) => line(query, `p${Math.round(QUANTILES[i] * 100)}`));

/** The panels, in reading order: load, latency, queue, cache, routing, errors. */
export function panels(q: Queries): Panel[] {
    return [
        { title: "Requests/s scheduled by the EPP (per model)", unit: "req/s", sets: [line(q.eppRequests)] },
        { title: "Requests/s finished per vLLM replica", unit: "req/s", sets: [line(q.replicaRequests)] },
        { title: "Time to first token (p50, p90, p99)", unit: "s", sets: percentiles(q.ttft) },
        { title: "Time per output token (p50, p90, p99)", unit: "s", sets: percentiles(q.tpot) },
        { title: "End-to-end request latency (p50, p90, p99)", unit: "s", sets: percentiles(q.e2e) },
        { title: "Ready replicas in the InferencePool (EPP)", unit: "pods", sets: [line(q.readyReplicas)] },
        { title: "Running requests per replica", unit: "requests", sets: [line(q.running)] },
        { title: "Waiting requests per replica", unit: "requests", sets: [line(q.waiting)] },
        { title: "KV-cache usage per replica (1 = full)", unit: "fraction", sets: [line(q.kvCache)] },
        { title: "Prefix-cache hit rate per replica (vLLM)", unit: "fraction", sets: [line(q.cacheHitRatePerReplica)] },
        {
            title: "Prefix-cache hit rate: vLLM (tokens) vs EPP prefix indexer (blocks)",
            unit: "fraction",
            sets: [line(q.cacheHitRate, "vLLM"), line(q.eppPrefixHitRatio, "EPP")],
        },
        {
            title: "Errors/s: gateway 5xx and EPP request errors",
            unit: "errors/s",
            sets: [line(q.gateway5xx, "gateway 5xx"), line(q.eppErrors)],
        },
    ];
}

function tile(panel: Panel, index: number): Tile {
    const perRow = COLUMNS / TILE.width;
    return {
        xPos: (index % perRow) * TILE.width,
        yPos: Math.floor(index / perRow) * TILE.height,
        ...TILE,
        widget: {
            title: panel.title,
            xyChart: {
                dataSets: panel.sets.map((s) => ({
                    timeSeriesQuery: { prometheusQuery: s.query },
                    plotType: "LINE",
                    targetAxis: "Y1",
                    ...(s.legend ? { legendTemplate: s.legend } : {}),
                })),
                yAxis: { label: panel.unit, scale: "LINEAR" },
            },
        },
    };
}

export function dashboardDefinition(config: StackConfig): DashboardDefinition {
    const w = config.workload;
    return {
        displayName: `${w.serviceName} inference (${config.cluster.name}/${w.namespace})`,
        mosaicLayout: { columns: COLUMNS, tiles: panels(queries(config)).map(tile) },
        labels: { "managed-by": "pulumi", "part-of": "tpu-inference" },
    };
}
