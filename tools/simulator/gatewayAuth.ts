/**
 * The simulator's stand-in for the stack gateway's client check (RequestAuthentication + AuthorizationPolicy): with a
 * token configured, a request without one gets 403 "RBAC: access denied" (Istio's answer when no principal matches)
 * and a different one 401 "Jwt verification fails" (Envoy's jwt_authn on a bad token). It compares the whole
 * header, not a JWT's claims: what verify is tested for is sending the token it was given, and failing clearly.
 */
export function gatewayRefusal(token: string | null, authorization: string | undefined): { status: number; message: string } | undefined {
    if (token === null) return undefined;
    if (authorization === undefined || !/^Bearer /i.test(authorization)) return { status: 403, message: "RBAC: access denied" };
    if (authorization.slice("Bearer ".length) !== token) return { status: 401, message: "Jwt verification fails" };
    return undefined;
}
