import type { RouteBuilder } from "../http/route";
import type { GatewayServices } from "../core";
import { SCOPE } from "../services/scopes";
import {
  ListParticipantsQuery,
  Participant,
  ParticipantPage,
  ParticipantParams,
  ParticipantRegistered,
  ParticipantStatusChanged,
  KeysSwitched,
  RegisterParticipantBody,
  StatusChangeBody,
} from "./schemas/participants";
import { ZeroHash } from "ethers";
import { ForbiddenError } from "../errors";
import { AccountAdded, AccountProofBody } from "./schemas/signed-requests";

export function participantRoutes(routes: RouteBuilder, s: GatewayServices): void {
  routes.add({
    method: "post",
    path: "/v1/participants",
    operationId: "registerParticipant",
    summary: "Admit an organisation",
    description:
      "Creates the organisation's key in the gateway's keystore, registers the organisation with that key as its account on " +
      "the ParticipantRegistry and grants its roles, in one administrator transaction. With `accounts` the organisation keeps its own " +
      "keys: those accounts are registered and granted its roles, and no key is created or stored. " +
      "Only the city administrator may admit an organisation with roles; a governor (GOVERNOR role) admits plain participants (403 ROLE_GRANT_NEEDS_ADMIN otherwise). " +
      "The organisation is admitted at once by the gateway's operator key (GOVERNOR); its role grants are the administrator's and wait the " +
      "administrator's execution delay: they are scheduled first, in the administrator's transaction, and listed in `scheduledGrants` " +
      "(execute each through POST /v1/governance/operations/{id}/execute after its readyAt). An administrator with its own key is refused " +
      "409 ROLE_GRANTS_NEED_SCHEDULING: admit without roles, then schedule each grantRole itself.",
    tags: ["participants"],
    scope: SCOPE.PARTICIPANTS_WRITE,
    body: RegisterParticipantBody,
    success: { status: 201, description: "Registered", schema: ParticipantRegistered },
    chainWrite: true,
    errors: [409, 422, 502, 503],
    handler: async ({ body, principal, idempotency }) => ({
      submission: await s.participants.register(
        {
          code: body.code,
          name: body.name,
          kind: body.kind,
          roles: body.roles,
          validUntil: body.validUntil ? Math.floor(Date.parse(body.validUntil) / 1000) : 0,
          metadataHash: body.metadataHash ?? ZeroHash,
          accounts: body.accounts,
        },
        principal,
        idempotency,
      ),
    }),
  });

  routes.add({
    method: "get",
    path: "/v1/participants",
    operationId: "listParticipants",
    summary: "List participants",
    tags: ["participants"],
    scope: SCOPE.PARTICIPANTS_READ,
    query: ListParticipantsQuery,
    success: { status: 200, description: "A page of participants, by code", schema: ParticipantPage },
    errors: [503],
    handler: async ({ query }) => ({
      status: 200,
      body: await s.participants.list({ limit: query.limit, after: query.cursor, kind: query.kind }),
    }),
  });

  routes.add({
    method: "get",
    path: "/v1/participants/{org}",
    operationId: "getParticipant",
    summary: "Show a participant with its on-chain status and accounts",
    tags: ["participants"],
    scope: SCOPE.PARTICIPANTS_READ,
    params: ParticipantParams,
    success: { status: 200, description: "The participant", schema: Participant },
    errors: [404, 503],
    handler: async ({ params }) => ({ status: 200, body: await s.participants.get(params.org) }),
  });

  routes.add({
    method: "post",
    path: "/v1/participants/{org}/accounts",
    operationId: "addParticipantAccount",
    summary: "Add an own account to an organisation, proven by that account's signature",
    description:
      "The account signs (EIP-712 or EIP-191) the organisation's code, this chain's id and a fresh nonce; a proof for another organisation or " +
      "chain, or one used before, is refused. The administrator's transaction adds the account and grants it the organisation's roles. " +
      "Callable by an administrator, or by the organisation itself.",
    tags: ["participants"],
    scope: SCOPE.PARTICIPANTS_READ,
    params: ParticipantParams,
    body: AccountProofBody,
    success: { status: 201, description: "Added", schema: AccountAdded },
    chainWrite: true,
    errors: [404, 409, 422, 502, 503],
    handler: async ({ params, body, principal, idempotency }) => {
      assertOwnOrAdmin(principal, params.org, "add accounts to");
      return { submission: await s.participants.addAccount(params.org, body, idempotency) };
    },
  });

  routes.add({
    method: "post",
    path: "/v1/participants/{org}/switch-to-own-keys",
    operationId: "switchParticipantToOwnKeys",
    summary: "Move a custodial organisation to its own key; the gateway's key for it is retired",
    description:
      "The body is the new account's proof, exactly as for POST /v1/participants/{org}/accounts. In order, each step only when the chain shows it " +
      "is not done yet, so calling again after a failure or a crash finishes the switch: the administrator adds the account; the custodial key " +
      "transfers every credit batch, the VND and every dataset the custodial account holds to it; the administrator removes the custodial account " +
      "from the organisation (a removed account can never be re-added); the custodial key is deleted from the keystore and the organisation " +
      "signs its own requests from then on. Refused with 409 OPEN_LISTINGS while the custodial account has open market listings (cancel them first), " +
      "409 ALREADY_OWN_KEY for an own-key organisation. Callable by an administrator, or by the organisation itself. Answers when every step is mined.",
    tags: ["participants"],
    scope: SCOPE.PARTICIPANTS_READ,
    params: ParticipantParams,
    body: AccountProofBody,
    success: { status: 200, description: "Switched", schema: KeysSwitched },
    errors: [403, 404, 409, 422, 502, 503],
    handler: async ({ params, body, principal }) => {
      assertOwnOrAdmin(principal, params.org, "switch");
      return { status: 200, body: await s.keySwitch.switchToOwnKeys(params.org, body) };
    },
  });

  for (const action of ["suspend", "reinstate"] as const) {
    routes.add({
      method: "post",
      path: `/v1/participants/{org}/${action}`,
      operationId: `${action}Participant`,
      summary: action === "suspend" ? "Suspend a participant (its accounts can no longer send or receive)" : "Reinstate a suspended participant",
      tags: ["participants"],
      scope: SCOPE.PARTICIPANTS_WRITE,
      params: ParticipantParams,
      body: StatusChangeBody,
      success: { status: 200, description: action === "suspend" ? "Suspended" : "Reinstated", schema: ParticipantStatusChanged },
      chainWrite: true,
      errors: [404, 409, 422, 502, 503],
      handler: async ({ params, body, principal, idempotency }) => ({
        submission: await s.participants.setStatus(params.org, action, body.reason, principal, idempotency),
      }),
    });
  }
}

/** An organisation's own keys are its business or the administrator's (PARTICIPANTS_WRITE), nobody else's. */
function assertOwnOrAdmin(principal: { orgCode: string; scopes: ReadonlySet<string> }, org: string, action: string): void {
  if (principal.orgCode !== org && !principal.scopes.has(SCOPE.PARTICIPANTS_WRITE)) {
    throw new ForbiddenError("NOT_YOUR_ORGANIZATION", `Only ${org} or an administrator may ${action} ${org}`, { org });
  }
}
