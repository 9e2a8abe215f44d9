import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { ACCOUNT_PROOF_TYPES_DOC, FORWARD_REQUEST_TYPES } from "../client/forward-request";
import { SCOPE } from "../services/scopes";
import { z } from "../http/zod";
import { NetworkInfo, SignedRequestBody } from "./schemas/signed-requests";

export function signedRequestRoutes(routes: RouteBuilder, s: GatewayServices): void {
  routes.add({
    method: "get",
    path: "/v1/network",
    operationId: "getNetwork",
    summary: "Chain id, contract addresses, deployment block and the Forwarder's EIP-712 domain (public)",
    description: "Everything a client needs to build and sign a ForwardRequest itself, or to verify what the gateway prepared.",
    tags: ["signed requests"],
    scope: null,
    success: { status: 200, description: "The network", schema: NetworkInfo },
    errors: [503],
    handler: async () => {
      const domain = await s.relay.domain();
      return {
        status: 200,
        body: {
          chainId: domain.chainId,
          deploymentBlock: s.contracts.record.deploymentBlock,
          contracts: s.contracts.addresses,
          forwarder: { address: domain.verifyingContract, domain, types: FORWARD_REQUEST_TYPES, primaryType: "ForwardRequest" },
          accountProof: { domain: { name: domain.name, version: domain.version, chainId: domain.chainId }, types: ACCOUNT_PROOF_TYPES_DOC },
        },
      };
    },
  });

  routes.add({
    method: "post",
    path: "/v1/signed-requests",
    operationId: "relaySignedRequest",
    summary: "Relay a request signed by a participant's own key through the Forwarder",
    description:
      "Takes the typed data a write answered with `Prefer: sign=client` (or a ForwardRequest built from GET /v1/network and the ABI) and its " +
      "EIP-712 signature. Checks the chain id and domain, the signature, the deadline, the Forwarder nonce (a replay is 409), that the target " +
      "is one of the system's contracts and that the signer is an active participant, simulates the call as the signer, and relays it with " +
      "the gateway's relayer key through the outbox. Answers as the original write would have (its result, status, 202 with " +
      "`Prefer: respond-async`, Idempotency-Key); a request built by the client answers 200 with what it called.",
    tags: ["signed requests"],
    scope: SCOPE.REQUESTS_RELAY,
    body: SignedRequestBody,
    success: { status: 200, description: "Mined: the result of the write it performs", schema: z.unknown() },
    alsoSuccess: [{ status: 201, description: "Mined: the result of a write that creates something" }],
    chainWrite: true,
    errors: [403, 404, 409, 422, 502, 503],
    handler: async ({ body, idempotency }, _req, res) => {
      const relayed = await s.relay.relay({ request: body.request, signature: body.signature }, idempotency, (signer) => {
        res.locals.relayed = { signer, signature: body.signature };
      });
      return { submission: relayed.submission, successStatus: relayed.successStatus };
    },
  });
}
