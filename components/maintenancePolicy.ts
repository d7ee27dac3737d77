import { MaintenanceConfig } from "../config/types";

/**
 * The first day of the recurring window: only its date matters to GKE as the day the window may first open (the
 * days come from BYDAY), and a fixed date keeps the input stable from one `pulumi up` to the next. A Saturday.
 */
export const WINDOW_EPOCH = "2025-01-04";

/** GKE cluster `maintenancePolicy` (TF `maintenance_policy`) from config; undefined: GKE may upgrade at any time. */
export function maintenancePolicy(m: MaintenanceConfig) {
    if (!m.window) return undefined;
    const start = new Date(`${WINDOW_EPOCH}T${m.window.start}:00Z`);
    const end = new Date(start.getTime() + m.window.hours * 3600_000);
    return {
        // RFC 3339 "Zulu" and the RRULE as GKE returns them, so a refresh shows no diff (TF docs, recurring_window).
        recurringWindow: {
            startTime: zulu(start),
            endTime: zulu(end),
            recurrence: `FREQ=WEEKLY;BYDAY=${m.window.days.join(",")}`,
        },
        maintenanceExclusions: m.exclusions.map((e) => ({
            exclusionName: e.name,
            startTime: e.start,
            endTime: e.end,
            exclusionOptions: { scope: e.scope },
        })),
    };
}

function zulu(d: Date): string {
    return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
