import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { SCOPE } from "../services/scopes";
import { DatasetParams } from "./schemas/datasets";
import { CreateOfferBody, ExchangeWriteResult, ListOffersQuery, OfferDetail, OfferPage, OfferParams, PurchaseBody } from "./schemas/exchange";
import { OdrlPolicy, PolicyVerification, VerifyPolicyBody } from "./schemas/policy";

export function exchangeRoutes(routes: RouteBuilder, s: GatewayServices): void {
  const exchange = s.exchange;
  const tags = ["data exchange"];

  routes.add({
    method: "post",
    path: "/v1/datasets/{id}/offers",
    operationId: "createOffer",
    summary: "Offer usage licences of a dataset for VND (its holder or custodian)",
    description:
      "The policy (an ODRL 2.2 document, validated) is kept by the gateway; the sha256 of its canonical JSON is the terms hash " +
      "on chain and `POST /v1/policies/verify` checks a document against it. Core and Important datasets need `allowed`, " +
      "listing city agencies only.",
    tags,
    scope: SCOPE.DATA_TRADE,
    params: DatasetParams,
    body: CreateOfferBody,
    success: { status: 201, description: "Offered", schema: ExchangeWriteResult },
    chainWrite: true,
    errors: [404, 409, 422, 502, 503],
    handler: async ({ params, body, principal, idempotency }) => ({
      submission: await exchange.offer(
        principal,
        params.id,
        {
          priceVnd: body.priceVnd,
          termDays: body.termDays,
          licenceEnd: body.licenceEndsAt,
          policy: body.policy,
          allowed: body.allowed,
          maxLicences: body.maxLicences,
          expiry: body.expiresAt ?? 0,
        },
        idempotency,
      ),
    }),
  });

  routes.add({
    method: "get",
    path: "/v1/offers",
    operationId: "listOffers",
    summary: "Licence offers (filters: dataset, holder, open), in the order made",
    tags,
    scope: SCOPE.DATASETS_READ,
    query: ListOffersQuery,
    success: { status: 200, description: "A page of offers", schema: OfferPage },
    errors: [400, 404, 503],
    handler: async ({ query }) => ({
      status: 200,
      body: await exchange.offers({ datasetId: query.dataset, holder: query.holder, open: query.open, cursor: query.cursor, limit: query.limit }),
    }),
  });

  routes.add({
    method: "get",
    path: "/v1/offers/{id}",
    operationId: "getOffer",
    summary: "An offer with its policy document",
    tags,
    scope: SCOPE.DATASETS_READ,
    params: OfferParams,
    success: { status: 200, description: "The offer", schema: OfferDetail },
    errors: [404, 503],
    handler: async ({ params }) => ({ status: 200, body: await exchange.getOffer(params.id) }),
  });

  routes.add({
    method: "post",
    path: "/v1/offers/{id}/purchase",
    operationId: "purchaseLicence",
    summary: "Buy a licence: VND to the holder and the licence granted (or extended) in one transaction",
    description:
      "Refused (409/422 with the contract's error and its fields) when the price is above maxPrice, the buyer is not allowed, " +
      "the offer is sold out, expired or closed. When the exchange is not yet approved for the price, the purchase is first " +
      "simulated with the approval in place and, only if it passes, sent with an ERC-20 approve of exactly the price.",
    tags,
    scope: SCOPE.DATA_TRADE,
    params: OfferParams,
    body: PurchaseBody,
    success: { status: 200, description: "Bought", schema: ExchangeWriteResult },
    chainWrite: true,
    errors: [403, 404, 409, 422, 502, 503],
    handler: async ({ params, body, principal, idempotency }) => ({
      submission: await exchange.purchase(principal, params.id, body.maxPrice, idempotency),
    }),
  });

  routes.add({
    method: "delete",
    path: "/v1/offers/{id}",
    operationId: "cancelOffer",
    summary: "Withdraw an offer (the offerer); licences sold stay",
    tags,
    scope: SCOPE.DATA_TRADE,
    params: OfferParams,
    success: { status: 200, description: "Cancelled", schema: ExchangeWriteResult },
    chainWrite: true,
    errors: [403, 404, 409, 502, 503],
    handler: async ({ params, principal, idempotency }) => ({ submission: await exchange.cancel(principal, params.id, idempotency) }),
  });

  routes.add({
    method: "post",
    path: "/v1/policies/verify",
    operationId: "verifyPolicy",
    summary: "Check a licence policy document against a terms hash (public)",
    description:
      "Computes the sha256 of the document's canonical JSON (object keys sorted at every level, no whitespace) and compares it " +
      "with `termsHash`; also says whether the document is a valid policy and which offers carry the hash.",
    tags,
    scope: null,
    readOnly: true,
    body: VerifyPolicyBody,
    success: { status: 200, description: "The verdict", schema: PolicyVerification },
    errors: [400],
    handler: async ({ body }) => {
      const parsed = OdrlPolicy.safeParse(body.policy);
      const issues = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      return { status: 200, body: exchange.verify(body.policy, body.termsHash, issues) };
    },
  });
}
