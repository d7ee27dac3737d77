import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_NUM_SEQS, nextPowerOf2, PINNED_TPU_BACKEND, tpuBlockSize, tpuMinPageSize, tpuPageSize } from "../config/tpuBlockSize";

// Upstream rows "TPU page size", "TPU min page size" and "TPU block size per platform" (docs/UPSTREAM.md):
// get_page_size and get_min_page_size of vLLM's Pallas backend; vLLM v0.11.2's own TpuPlatform applies only the
// first, tpu-inference's platform applies max(page, min page).
describe("TPU prefix-cache block size", () => {
    it("rounds max_model_len up to a power of two", () => {
        expect([0, 1, 2, 3, 1000, 1024, 1025].map(nextPowerOf2)).toEqual([1, 1, 2, 4, 1024, 1024, 2048]);
    });

    it("splits max_model_len into 16 pages, clamped to [16, 256]", () => {
        expect([128, 256, 257, 512, 1024, 2048, 3000, 4096, 4097, 8192].map(tpuPageSize)).toEqual([16, 16, 32, 32, 64, 128, 256, 256, 256, 256]);
    });

    it("uses 16-token pages above 8192 tokens", () => {
        expect([8193, 16384, 32768, 131072].map(tpuPageSize)).toEqual([16, 16, 16, 16]);
    });

    it("raises the page so max_num_seqs block tables fit half the SMEM", () => {
        // 1 MiB / 2 / 128 seqs / 4 bytes = 1024 pages per request.
        expect(tpuMinPageSize(1024, 128)).toBe(1);
        expect(tpuMinPageSize(2048, 128)).toBe(2);
        expect(tpuMinPageSize(32768, 128)).toBe(32);
        expect(tpuMinPageSize(131072, 128)).toBe(128);
        expect(tpuMinPageSize(131072, 256)).toBe(256);
        expect(tpuMinPageSize(100_000, 128)).toBe(128);
    });

    it("is the page size alone under vLLM's own TPU platform", () => {
        const vllm = (n: number, seqs = 128) => tpuBlockSize(n, seqs, "vllm");
        expect([1, 128, 2048, 8192, 16384, 32768, 131072].map((n) => vllm(n))).toEqual([16, 16, 128, 256, 16, 16, 16]);
        expect(vllm(131072, 512)).toBe(16);
    });

    it("is the larger of both rules under tpu-inference, the default", () => {
        expect(PINNED_TPU_BACKEND).toBe("tpu-inference");
        expect(DEFAULT_MAX_NUM_SEQS).toBe(128);
        expect([1, 128, 2048, 8192, 16384, 32768, 131072].map((n) => tpuBlockSize(n))).toEqual([16, 16, 128, 256, 16, 32, 128]);
        expect(tpuBlockSize(131072, 512)).toBe(512);
        expect(tpuBlockSize(131072, 512, "tpu-inference")).toBe(512);
        expect(tpuBlockSize(2048, 1024)).toBe(128);
        expect(tpuBlockSize(2048, 1)).toBe(128);
        // The example in the research notes: 256 sequences give 512 pages per request, so 32768 -> 64.
        expect(tpuBlockSize(32768, 256)).toBe(64);
    });

    it("rejects impossible inputs", () => {
        expect(() => tpuBlockSize(0)).toThrow("max_model_len must be a positive integer, got 0");
        expect(() => tpuBlockSize(1.5)).toThrow("max_model_len must be a positive integer, got 1.5");
        expect(() => tpuBlockSize(2048, 0)).toThrow("max_num_seqs must be a positive integer, got 0");
        expect(() => tpuBlockSize(2048, 2.5)).toThrow("max_num_seqs must be a positive integer, got 2.5");
    });
});
