/**
 * The one rule for the block size of vLLM's prefix cache on TPU (its KV "page size"): verify, the simulator, config
 * validation and the docs all use this module, so they cannot drift apart.
 *
 * vLLM's TPU platform does not take --block-size from the user; it overwrites it at start-up (upstream rows
 * "TPU page size" and "TPU min page size" in docs/UPSTREAM.md):
 *   1. page = 16 when max_model_len > 8192 (a VMEM-spill workaround), else next_pow2(max_model_len) / 16
 *      clamped to [16, 256]. vLLM v0.11.2's own TPU platform (torch_xla) stops here.
 *   2. The tpu-inference (JAX) platform, which replaces vLLM's when the tpu_inference package is installed, then
 *      raises the page so the block tables of max_num_seqs requests fit half the 1 MiB SMEM:
 *      next_pow2(ceil(max_model_len / (1 MiB / 2 / max_num_seqs / 4))), when that is larger.
 * Which of the two the pinned image runs is not established (UNVERIFIED), so the backend is a parameter; both give
 * the same block up to max_model_len 16384 at 128 sequences. verify prefers the block size the server reports.
 */

/** Above this max_model_len the page size is fixed at MIN_PAGE_SIZE. */
export const LONG_CONTEXT_THRESHOLD = 8192;
/** Lower clamp of the page size. */
export const MIN_PAGE_SIZE = 16;
/** Upper clamp of the page size (before the SMEM rule). */
export const MAX_PAGE_SIZE = 256;
/** max_model_len is split into this many pages. */
export const PAGES_PER_MODEL_LEN = 16;
/** SMEM per TPU core up to v6e, bytes; the block tables may use half of it, 4 bytes per entry. */
export const SMEM_BYTES = 1024 * 1024;
/** vLLM's default --max-num-seqs, used when the caller does not know the served value. */
export const DEFAULT_MAX_NUM_SEQS = 128;

/** vLLM's in-tree TPU platform (torch_xla) or the tpu-inference (JAX) platform that replaces it when installed. */
export type TpuBackend = "vllm" | "tpu-inference";
/**
 * The pinned image's platform, taken as tpu-inference: it was released for this vLLM line (v0.11.1) and replaces
 * vLLM's own platform whenever installed. That the RHAIIS 3.2.5 image bundles it is UNVERIFIED; without it vLLM
 * v0.11.2 applies step 1 only ("vllm").
 */
export const PINNED_TPU_BACKEND: TpuBackend = "tpu-inference";

/** Smallest power of two >= n (1 for n <= 1), as vLLM's next_power_of_2. */
export function nextPowerOf2(n: number): number {
    let p = 1;
    while (p < n) p *= 2;
    return p;
}

/** Step 1: the SREG/VMEM page size from max_model_len alone. */
export function tpuPageSize(maxModelLen: number): number {
    if (maxModelLen > LONG_CONTEXT_THRESHOLD) return MIN_PAGE_SIZE;
    const page = nextPowerOf2(maxModelLen) / PAGES_PER_MODEL_LEN;
    return Math.min(MAX_PAGE_SIZE, Math.max(MIN_PAGE_SIZE, page));
}

/** Step 2 (tpu-inference only): the smallest page that keeps max_num_seqs block tables within half the SMEM. */
export function tpuMinPageSize(maxModelLen: number, maxNumSeqs: number): number {
    const maxPagesPerRequest = Math.floor(Math.floor(Math.floor(SMEM_BYTES / 2) / maxNumSeqs) / 4);
    return nextPowerOf2(Math.ceil(maxModelLen / maxPagesPerRequest));
}

/** The block size, in tokens, vLLM on TPU uses for this max_model_len (and, under tpu-inference, max_num_seqs). */
export function tpuBlockSize(maxModelLen: number, maxNumSeqs: number = DEFAULT_MAX_NUM_SEQS, backend: TpuBackend = PINNED_TPU_BACKEND): number {
    if (!Number.isInteger(maxModelLen) || maxModelLen < 1) throw new RangeError(`max_model_len must be a positive integer, got ${maxModelLen}`);
    if (!Number.isInteger(maxNumSeqs) || maxNumSeqs < 1) throw new RangeError(`max_num_seqs must be a positive integer, got ${maxNumSeqs}`);
    const page = tpuPageSize(maxModelLen);
    return backend === "tpu-inference" ? Math.max(page, tpuMinPageSize(maxModelLen, maxNumSeqs)) : page;
}
