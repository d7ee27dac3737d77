/**
 * Small self-rendered SVG charts for the HTML report: no chart library, no script, no network. Each chart is an
 * <svg class="chart"> whose data marks carry class "mark", so a test can count what was drawn.
 */

export interface Series<P> {
    name: string;
    points: P;
}

const WIDTH = 640;
const HEIGHT = 300;
const PAD = { left: 64, right: 16, top: 32, bottom: 48 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

export function escapeXml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** About `count` round tick values covering [min, max] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
    if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
    if (max <= min) return [min];
    const raw = (max - min) / count;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
    const ticks: number[] = [];
    for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
    return ticks;
}

export function formatTick(v: number): string {
    if (v === 0) return "0";
    const abs = Math.abs(v);
    if (abs >= 10_000) return `${Number((v / 1000).toPrecision(3))}k`;
    return String(Number(v.toPrecision(3)));
}

function frame(title: string, xLabel: string, yLabel: string, body: string): string {
    return (
        `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeXml(title)}">` +
        `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>` +
        `<text x="${WIDTH / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>` +
        `<text x="14" y="${HEIGHT / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${HEIGHT / 2})">${escapeXml(yLabel)}</text>` +
        body +
        "</svg>"
    );
}

function legend(names: readonly string[]): string {
    return names
        .map((n, i) => {
            const x = PAD.left + 8 + i * 150;
            return `<rect x="${x}" y="${PAD.top - 4}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 14}" y="${PAD.top + 5}" font-size="11">${escapeXml(n)}</text>`;
        })
        .join("");
}

function yAxis(ticks: readonly number[], y: (v: number) => number): string {
    return ticks
        .map((t) => `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${formatTick(t)}</text>`)
        .join("");
}

const plotBottom = HEIGHT - PAD.bottom;
const plotRight = WIDTH - PAD.right;

/** Lines through (x, y) points, one per series; an empty chart says "no data" instead of drawing axes alone. */
export function lineChart(o: { title: string; xLabel: string; yLabel: string; series: Series<[number, number][]>[] }): string {
    const all = o.series.flatMap((s) => s.points);
    if (all.length === 0) return frame(o.title, o.xLabel, o.yLabel, `<text class="empty" x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">no data</text>`);
    const xs = all.map((p) => p[0]);
    const ys = all.map((p) => p[1]);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
    const y1 = Math.max(...ys) > 0 ? Math.max(...ys) * 1.05 : 1;
    const x = (v: number) => PAD.left + (x1 === x0 ? 0.5 : (v - x0) / (x1 - x0)) * (plotRight - PAD.left);
    const y = (v: number) => plotBottom - (v / y1) * (plotBottom - PAD.top - 16);
    const xTicks = niceTicks(x0, x1)
        .map((t) => `<text x="${x(t)}" y="${plotBottom + 16}" text-anchor="middle" font-size="11">${formatTick(t)}</text>`)
        .join("");
    const lines = o.series
        .map((s, i) => {
            const color = COLORS[i % COLORS.length];
            const d = s.points.map((p, k) => `${k === 0 ? "M" : "L"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join("");
            const dots = s.points.length <= 24 ? s.points.map((p) => `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${color}"/>`).join("") : "";
            return `<path class="mark" d="${d}" fill="none" stroke="${color}" stroke-width="2"/>${dots}`;
        })
        .join("");
    const axes = `<line x1="${PAD.left}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}" stroke="#333"/>`;
    return frame(o.title, o.xLabel, o.yLabel, yAxis(niceTicks(0, y1), y) + axes + xTicks + lines + legend(o.series.map((s) => s.name)));
}

/** Grouped bars: one group per category, one bar per series; null values leave a gap. */
export function barChart(o: { title: string; yLabel: string; categories: string[]; series: Series<(number | null)[]>[]; max?: number }): string {
    const values = o.series.flatMap((s) => s.points.filter((v): v is number => v !== null));
    if (values.length === 0 || o.categories.length === 0) return frame(o.title, "", o.yLabel, `<text class="empty" x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">no data</text>`);
    const top = o.max ?? (Math.max(...values) > 0 ? Math.max(...values) * 1.1 : 1);
    const y = (v: number) => plotBottom - (v / top) * (plotBottom - PAD.top - 16);
    const groupWidth = (plotRight - PAD.left) / o.categories.length;
    const barWidth = (groupWidth * 0.8) / Math.max(1, o.series.length);
    let bars = "";
    o.categories.forEach((c, ci) => {
        const gx = PAD.left + ci * groupWidth + groupWidth * 0.1;
        o.series.forEach((s, si) => {
            const v = s.points[ci];
            if (v === null || v === undefined) return;
            const bx = gx + si * barWidth;
            bars += `<rect class="mark" x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barWidth * 0.9).toFixed(1)}" height="${(plotBottom - y(v)).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${escapeXml(`${s.name} ${c}: ${formatTick(v)}`)}</title></rect>`;
        });
        bars += `<text x="${(gx + groupWidth * 0.4).toFixed(1)}" y="${plotBottom + 16}" text-anchor="middle" font-size="11">${escapeXml(c)}</text>`;
    });
    const axes = `<line x1="${PAD.left}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}" stroke="#333"/>`;
    return frame(o.title, "", o.yLabel, yAxis(niceTicks(0, top), y) + axes + bars + legend(o.series.map((s) => s.name)));
}

/** Empirical CDF points of a sample: (value, share of values <= it), at most `maxPoints` of them. */
export function cdfPoints(values: readonly number[], maxPoints = 200): [number, number][] {
    const sorted = [...values].sort((a, b) => a - b);
    if (sorted.length === 0) return [];
    const step = Math.max(1, Math.ceil(sorted.length / maxPoints));
    const points: [number, number][] = [];
    for (let i = step - 1; i < sorted.length; i += step) points.push([sorted[i], (i + 1) / sorted.length]);
    if (points[points.length - 1][1] !== 1) points.push([sorted[sorted.length - 1], 1]);
    return points;
}
