/**
 * Annotations the Pulumi Kubernetes provider reads to decide how long and for what to wait, how to patch objects
 * it does not own, and how to delete. Pure builders, so the objects that carry them stay plain, testable data.
 */

/** Field manager of every server-side-apply patch the platform makes to objects created by someone else. */
export const PATCH_FIELD_MANAGER = "tpu-inference-platform";

/**
 * `pulumi.com/waitFor` (e.g. `condition=Ready`, `jsonpath={.status.addresses[0].value}`): the resource is created
 * only once the condition holds, so nothing that depends on it runs against an object that is not serving yet.
 */
export function awaitAnnotations(waitFor: string, timeoutSeconds: number): Record<string, string> {
    return {
        "pulumi.com/waitFor": waitFor,
        "pulumi.com/timeoutSeconds": String(timeoutSeconds),
    };
}

/**
 * Server-side-apply patch of a foreign object under a fixed field manager (a stable owner across runs instead of a
 * random one per Patch resource), forcing ownership of exactly the fields the patch sets.
 */
export function patchAnnotations(): Record<string, string> {
    return {
        "pulumi.com/patchFieldManager": PATCH_FIELD_MANAGER,
        "pulumi.com/patchForce": "true",
    };
}

/**
 * Delete with foreground cascading: the API server deletes the object's dependents (ownerReferences) as part of
 * deleting it, and the provider waits for the object to disappear. Foreground is also the provider's default
 * (pulumi-kubernetes `metadata.DeletionPropagation`); spelling it out keeps the behaviour where it matters even if
 * that default changes.
 */
export const FOREGROUND_DELETION: Readonly<Record<string, string>> = {
    "pulumi.com/deletionPropagationPolicy": "foreground",
};
