import { describe, expect, it } from "vitest";
import { RawConfig, StackConfigError, parseConfig } from "../config";

const SECRETS = {
    redhatPullSecret: JSON.stringify({ auths: { "registry.redhat.io": { auth: "eDp5" } } }),
    huggingfaceToken: "hf_abc",
};
const CHANNEL = "projects/my-project/notificationChannels/1234567890";

function raw(values: Record<string, string | undefined> = {}): RawConfig {
    return { values: { project: "my-project", ...SECRETS, ...values }, secretKeys: new Set(Object.keys(SECRETS)), stack: "test" };
}

function problems(values: Record<string, string | undefined>): string[] {
    try {
        parseConfig(raw(values));
    } catch (err) {
        expect(err).toBeInstanceOf(StackConfigError);
        return (err as StackConfigError).problems;
    }
    throw new Error("config was accepted");
}

describe("monitoring config", () => {
    it("collects and builds the dashboard by default, with no alerts", () => {
        expect(parseConfig(raw()).monitoring).toEqual({ enabled: true, scrapeIntervalSeconds: 30 });
    });

    it("turns everything off with monitoring = false", () => {
        expect(parseConfig(raw({ monitoring: "false", metricsScrapeIntervalSeconds: "60" })).monitoring).toEqual({ enabled: false, scrapeIntervalSeconds: 60 });
    });

    it("takes the alert settings only when alerts are on", () => {
        expect(parseConfig(raw({ alertNotificationChannel: CHANNEL })).monitoring.alerts).toBeUndefined();
        expect(parseConfig(raw({ alerts: "true", alertNotificationChannel: CHANNEL })).monitoring.alerts).toEqual({
            notificationChannel: CHANNEL,
            queueThreshold: 8,
            forMinutes: 5,
            errorPercent: 5,
        });
        const custom = { alerts: "true", alertNotificationChannel: CHANNEL, alertQueueThreshold: "20", alertQueueMinutes: "10", alert5xxPercent: "1" };
        expect(parseConfig(raw(custom)).monitoring.alerts).toEqual({ notificationChannel: CHANNEL, queueThreshold: 20, forMinutes: 10, errorPercent: 1 });
    });

    it("accepts a channel of a project given by number", () => {
        const c = parseConfig(raw({ alerts: "true", alertNotificationChannel: "projects/123456789012/notificationChannels/42" }));
        expect(c.monitoring.alerts?.notificationChannel).toBe("projects/123456789012/notificationChannels/42");
    });

    it("needs a channel for the alerts, and the collection they query", () => {
        expect(problems({ alerts: "true" })).toEqual([
            "tpu-inference:alertNotificationChannel is not set, but alerts = true: set it to an existing channel, projects/<project>/notificationChannels/<id>",
        ]);
        expect(problems({ alerts: "true", alertNotificationChannel: CHANNEL, monitoring: "false" })).toEqual([
            "tpu-inference:alerts = true: needs monitoring = true: the alert conditions query the metrics the collection writes",
        ]);
    });

    it("refuses a channel that is not a notification channel name", () => {
        for (const bad of ["1234567890", "projects/my-project/notificationChannels/", "projects/my-project/alertPolicies/1", "https://console.cloud.google.com/x"]) {
            expect(problems({ alertNotificationChannel: bad })).toEqual([
                `tpu-inference:alertNotificationChannel = ${JSON.stringify(bad)}: must be a notification channel name, projects/<project>/notificationChannels/<id> (gcloud beta monitoring channels list)`,
            ]);
        }
    });

    it("bounds the scrape interval and the alert settings", () => {
        expect(problems({ metricsScrapeIntervalSeconds: "4" })).toEqual(["tpu-inference:metricsScrapeIntervalSeconds = 4: must be a whole number from 5 to 300"]);
        expect(problems({ metricsScrapeIntervalSeconds: "301" })).toEqual(["tpu-inference:metricsScrapeIntervalSeconds = 301: must be a whole number from 5 to 300"]);
        expect(parseConfig(raw({ metricsScrapeIntervalSeconds: "5" })).monitoring.scrapeIntervalSeconds).toBe(5);
        expect(parseConfig(raw({ metricsScrapeIntervalSeconds: "300" })).monitoring.scrapeIntervalSeconds).toBe(300);
        const on = { alerts: "true", alertNotificationChannel: CHANNEL };
        expect(problems({ ...on, alertQueueThreshold: "0" })).toEqual(["tpu-inference:alertQueueThreshold = 0: must be a whole number from 1 to 4096"]);
        expect(problems({ ...on, alertQueueMinutes: "61" })).toEqual(["tpu-inference:alertQueueMinutes = 61: must be a whole number from 1 to 60"]);
        expect(problems({ ...on, alert5xxPercent: "101" })).toEqual(["tpu-inference:alert5xxPercent = 101: must be a whole number from 1 to 100"]);
        expect(problems({ monitoring: "maybe" })).toEqual(['tpu-inference:monitoring = "maybe": must be true or false']);
    });
});
