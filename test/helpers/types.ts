/** Pulumi type tokens the tests look resources up by. */
export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const SECRET = "kubernetes:core/v1:Secret";
export const CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile";
export const ISTIO = "kubernetes:sailoperator.io/v1:Istio";
export const ISTIO_PATCH = "kubernetes:sailoperator.io/v1:IstioPatch";
export const ISTIO_CNI = "kubernetes:sailoperator.io/v1:IstioCNI";
export const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
export const DEPLOYMENT_PATCH = "kubernetes:apps/v1:DeploymentPatch";
export const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
export const CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
export const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
export const LLMISVC = "kubernetes:serving.kserve.io/v1alpha1:LLMInferenceService";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const NODE_POOL = "gcp:container/nodePool:NodePool";
export const CLUSTER = "gcp:container/cluster:Cluster";
