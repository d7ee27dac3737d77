import { describe, expect, it } from "vitest";
import { parseLabels, parseSeries, replicaCounters, replicaDeltas, servedBlockSize } from "../../tools/verify/prom";
import { chooseBlockSize } from "../../tools/verify/run";

describe("Prometheus series with labels", () => {
    it("parses names, labels (with escapes) and values, skipping comments and junk", () => {
        const text = [
            "# HELP x y",
            'vllm:a{engine="0",model_name="q\\"uo\\\\te\\n}"} 1.5',
            "vllm:b 2 1700000000",
            'vllm:c{le="+Inf"} +Inf',
            "vllm:d{broken 3",
            "novalue",
            "vllm:e NaNish",
            "",
        ].join("\n");
        expect(parseSeries(text)).toEqual([
            { name: "vllm:a", labels: { engine: "0", model_name: 'q"uo\\te\n}' }, value: 1.5 },
            { name: "vllm:b", labels: {}, value: 2 },
            { name: "vllm:c", labels: { le: "+Inf" }, value: Infinity },
        ]);
        expect(parseLabels(' a = "1" ,b="x,y",')).toEqual({ a: "1", b: "x,y" });
        expect(parseLabels("")).toEqual({});
    });

    it("reads the block size vLLM reports in vllm:cache_config_info", () => {
        const info = (bs: string) => ({ name: "vllm:cache_config_info", labels: { block_size: bs }, value: 1 });
        expect(servedBlockSize([info("128")])).toBe(128);
        expect(servedBlockSize([info("0"), info("abc"), info("16")])).toBe(16);
        expect(servedBlockSize([{ name: "vllm:other", labels: { block_size: "64" }, value: 1 }])).toBeNull();
        expect(servedBlockSize([{ name: "vllm:cache_config_info", labels: {}, value: 1 }])).toBeNull();
        expect(servedBlockSize(parseSeries('vllm:cache_config_info{block_size="32",enable_prefix_caching="True"} 1.0'))).toBe(32);
    });

    it("groups counters by replica labels, ignoring model_name, le and finished_reason, in natural order", () => {
        const text = [
            'vllm:prefix_cache_queries_total{model_name="m",replica="10"} 100',
            'vllm:prefix_cache_queries_total{model_name="m",replica="2"} 50',
            'vllm:prefix_cache_hits_total{model_name="m",replica="2"} 25',
            'vllm:prefix_cache_hits{model_name="m",replica="10"} 40',
            'vllm:request_success_total{finished_reason="length",model_name="m",replica="2"} 3',
            'vllm:request_success_total{finished_reason="stop",model_name="m",replica="2"} 1',
            'vllm:num_requests_running{model_name="m",replica="2"} 9',
        ].join("\n");
        expect(replicaCounters(parseSeries(text))).toEqual([
            { replica: "replica=2", queries: 50, hits: 25, requests: 4 },
            { replica: "replica=10", queries: 100, hits: 40, requests: 0 },
        ]);
        expect(replicaCounters(parseSeries('vllm:prefix_cache_hits_total{model_name="m"} 5'))).toEqual([{ replica: "", queries: 0, hits: 5, requests: 0 }]);
        // Label order does not matter.
        expect(replicaCounters(parseSeries('vllm:prefix_cache_hits_total{b="1",a="2"} 1\nvllm:prefix_cache_hits_total{a="2",b="1"} 2'))).toEqual([{ replica: "a=2,b=1", queries: 0, hits: 3, requests: 0 }]);
    });

    it("subtracts a scrape from a later one per replica; a new replica counts from zero", () => {
        const before = [{ replica: "r=0", queries: 10, hits: 5, requests: 1 }];
        const after = [
            { replica: "r=0", queries: 30, hits: 15, requests: 3 },
            { replica: "r=1", queries: 7, hits: 0, requests: 1 },
        ];
        expect(replicaDeltas(before, after)).toEqual([
            { replica: "r=0", queries: 20, hits: 10, requests: 2 },
            { replica: "r=1", queries: 7, hits: 0, requests: 1 },
        ]);
    });

    it("chooses the block size: option, then server, then the TPU rule, then 128", () => {
        expect(chooseBlockSize(64, 16, 2048)).toEqual({ blockSize: 64, blockSizeSource: "option" });
        expect(chooseBlockSize(null, 16, 2048)).toEqual({ blockSize: 16, blockSizeSource: "server" });
        expect(chooseBlockSize(null, null, 4096)).toEqual({ blockSize: 256, blockSizeSource: "max_model_len" });
        expect(chooseBlockSize(null, null, 32768)).toEqual({ blockSize: 32, blockSizeSource: "max_model_len" });
        expect(chooseBlockSize(null, null, null)).toEqual({ blockSize: 128, blockSizeSource: "default" });
    });
});

describe("Prometheus text edge cases", () => {
    it("trims lines, skips comments and blanks, reads -Inf and timestamps, needs a name", () => {
        const text = "  vllm:x 1  \n\t# comment\n   \nvllm:y -Inf\nvllm:z 3 1700000000000\n{a=\"1\"} 4\nvllm:w{a=\"}\"} 5\nvllm:v{a=\"1\" 6\nvllm:u \n";
        expect(parseSeries(text)).toEqual([
            { name: "vllm:x", labels: {}, value: 1 },
            { name: "vllm:y", labels: {}, value: -Infinity },
            { name: "vllm:z", labels: {}, value: 3 },
            { name: "vllm:w", labels: { a: "}" }, value: 5 },
        ]);
    });

    it("skips a labelled sample without a value, an unclosed brace and a comment that looks like a sample; takes empty braces", () => {
        expect(parseSeries('vllm:t{a="1"}\n# 7\n#7\nvllm:r{ 9\nvllm:q{a="1" 9\nvllm:s{} 8\n')).toEqual([{ name: "vllm:s", labels: {}, value: 8 }]);
    });

    it("reads the server's latency totals only when the e2e sum and count are both there", async () => {
        const { serverLatencyTotals, parsePrometheus } = await import("../../tools/verify/prom");
        const e2e = "vllm:e2e_request_latency_seconds_sum 2.5\nvllm:e2e_request_latency_seconds_count 5\n";
        expect(serverLatencyTotals(parsePrometheus(e2e))).toEqual({ e2eSum: 2.5, e2eCount: 5, ttftSum: 0, ttftCount: 0 });
        expect(serverLatencyTotals(parsePrometheus(`${e2e}vllm:time_to_first_token_seconds_sum 0.5\nvllm:time_to_first_token_seconds_count 4\n`))).toEqual({
            e2eSum: 2.5,
            e2eCount: 5,
            ttftSum: 0.5,
            ttftCount: 4,
        });
        expect(serverLatencyTotals(parsePrometheus("vllm:e2e_request_latency_seconds_sum 2.5"))).toBeNull();
        expect(serverLatencyTotals(parsePrometheus("vllm:e2e_request_latency_seconds_count 5"))).toBeNull();
    });

    it("reads the hits and queries only when both are there", async () => {
        const { prefixCacheCounters, parsePrometheus } = await import("../../tools/verify/prom");
        expect(prefixCacheCounters(parsePrometheus("vllm:prefix_cache_hits_total 1\nvllm:prefix_cache_queries_total 4"))).toEqual({ queries: 4, hits: 1 });
        expect(prefixCacheCounters(parsePrometheus("vllm:prefix_cache_hits_total 1"))).toBeNull();
        expect(prefixCacheCounters(parsePrometheus("vllm:prefix_cache_queries_total 4"))).toBeNull();
    });

    it("does not treat le as a replica label, nor a block size with junk around it", () => {
        expect(replicaCounters(parseSeries('vllm:request_success_total{le="1",replica="0"} 2'))).toEqual([{ replica: "replica=0", queries: 0, hits: 0, requests: 2 }]);
        const info = (bs: string) => [{ name: "vllm:cache_config_info", labels: { block_size: bs }, value: 1 }];
        expect(servedBlockSize(info("x16"))).toBeNull();
        expect(servedBlockSize(info("16x"))).toBeNull();
        expect(servedBlockSize(info("016"))).toBeNull();
    });
});
